-- Password-protected codes (additive, dynamic codes only): the PBKDF2-SHA256 hash of the code's
-- password in auth/passwords.ts's format (pbkdf2-sha256$<iterations>$<salt>$<hash>), or NULL.
ALTER TABLE qr_codes ADD COLUMN password_hash TEXT;
