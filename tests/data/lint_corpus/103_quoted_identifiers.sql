-- label: unsafe
-- why: SHARE while building
CREATE INDEX "Orders Status" ON "orders" ("status");
