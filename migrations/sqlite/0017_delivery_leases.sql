-- A webhook delivery still to be attempted holds a lease (wall-clock milliseconds): the process
-- sending it renews the lease at each attempt; one whose lease ran out was abandoned (its process
-- died) and another process claims and finishes it. NULL once the delivery is over.
ALTER TABLE webhook_deliveries ADD COLUMN lease_until_ms INTEGER;
CREATE INDEX webhook_deliveries_lease ON webhook_deliveries(lease_until_ms) WHERE lease_until_ms IS NOT NULL;
