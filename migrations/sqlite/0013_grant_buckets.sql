-- Pending sign-ins and device codes are bounded per client too (`bucket`: the client's id), and
-- the oldest waiting ones give way to new ones: a flood of unauthenticated sign-in starts with
-- one client id no longer blocks every other sign-in of its sandbox.
ALTER TABLE oauth_grants ADD COLUMN bucket TEXT;
CREATE INDEX oauth_grants_bucket ON oauth_grants(sandbox_id, bucket, status);
