-- Console sign-in (issue 17): people sign in with email and password, get a session cookie, and act
-- within their organization under a console role.

-- owner: members, roles and keys, plus everything an editor does; editor: reads and writes codes and
-- files; viewer: reads only. New users start as viewers (least privilege: an operator or an owner
-- grants more). Users that exist when this runs become owners: until now each of them stood for its
-- whole organization, none of them can sign in before an operator sets a password or mints an
-- invite link, and an organization needs an owner to manage its settings from the console.
ALTER TABLE users ADD COLUMN console_role TEXT NOT NULL DEFAULT 'viewer' CHECK (console_role IN ('owner', 'editor', 'viewer'));
UPDATE users SET console_role = 'owner';

-- PBKDF2-SHA256 in a self-describing string (src/auth/passwords.ts); NULL: the user cannot sign in.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- A sign-in email names one user whatever its case. Only users who can sign in (a password set)
-- take part: emails were free text until now and duplicates may exist among the others, which must
-- not stop this migration; setting a password on a clashing email is refused instead.
CREATE UNIQUE INDEX users_sign_in_email ON users (lower(email)) WHERE email IS NOT NULL AND password_hash IS NOT NULL;

-- Console sessions: the cookie holds a random 32-byte token, D1 only its SHA-256. Fixed expiry
-- (14 days from sign-in); deleted on sign-out, when the password changes, and with the user.
CREATE TABLE console_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);

-- One-time invite and reset links (24 h): the link carries a random token, D1 only its SHA-256.
-- used_at is set by the one redemption that wins; a used or expired link never works again.
CREATE TABLE sign_in_links (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX sign_in_links_by_user ON sign_in_links (user_id);
