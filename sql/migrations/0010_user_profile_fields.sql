-- Profile fields copied from the token on each request: where the user
-- lives, their photo, when they joined, what they may access (a
-- JSON-encoded list of strings) and their Stripe customer.

ALTER TABLE users ADD COLUMN location text DEFAULT '';
ALTER TABLE users ADD COLUMN profile_photo_url text;
ALTER TABLE users ADD COLUMN joined_date timestamptz;
ALTER TABLE users ADD COLUMN access_permissions text DEFAULT '[]';
ALTER TABLE users ADD COLUMN stripe_customer_id text;
