-- A phone code's route is found by the phone and a digest of the code itself, not by the phone
-- alone: any organization may request codes for any number, and a lookup by phone only let other
-- instances' routes crowd out the one that holds the code being confirmed.
ALTER TABLE pairing_phone_codes ADD COLUMN code_digest TEXT;
CREATE INDEX pairing_phone_codes_by_code ON pairing_phone_codes (phone, code_digest);
