"""The migration engine: plain Python over psycopg; never imports Textual."""
