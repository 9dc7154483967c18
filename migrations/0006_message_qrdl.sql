-- Message QR codes (CreatePhoneMessageQrdl): AccessKey pairs, WhatsApp channel phone numbers, and
-- the link between a QrdlCode and the dynamic QR code whose short link is its deep link.

-- AccessKey pairs for Alibaba Cloud signature V3. The verifier needs the secret itself (an HMAC
-- key), so it is stored AES-GCM encrypted under the ACCESS_KEY_ENCRYPTION_KEY Worker secret
-- ("<key id>.<iv>.<ciphertext>", the AccessKey ID as additional data), never hashed.
CREATE TABLE access_keys (
  id TEXT PRIMARY KEY,                      -- the AccessKey ID (Credential=… in Authorization)
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  secret_ciphertext TEXT NOT NULL,
  secret_prefix TEXT NOT NULL,              -- display prefix of the secret
  actions TEXT NOT NULL DEFAULT '[]',       -- JSON array such as ["cams:CreatePhoneMessageQrdl"]
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  created_at TEXT NOT NULL,
  last_used_at TEXT
);
CREATE INDEX access_keys_by_org ON access_keys (org_id);

-- WhatsApp channel phone numbers (digits with country code, no +), each registered to exactly one
-- organization, optionally inside a customer space (CustSpaceId).
CREATE TABLE whatsapp_phone_numbers (
  phone_number TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  cust_space_id TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX whatsapp_phone_numbers_by_org ON whatsapp_phone_numbers (org_id);

-- A message QR code: QrdlCode is the short token of its qr_codes row (type url, content.url the
-- wa.me link), so the deep link is /r/{QrdlCode}. Deleting the code deletes this row.
CREATE TABLE message_qrdl (
  qrdl_code TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  code_id TEXT NOT NULL UNIQUE REFERENCES qr_codes (id) ON DELETE CASCADE,
  phone_number TEXT NOT NULL,
  cust_space_id TEXT,
  image_format TEXT NOT NULL CHECK (image_format IN ('PNG', 'SVG')),
  message TEXT NOT NULL,
  deep_link_url TEXT NOT NULL,              -- the short link as issued (origin included), which the image encodes
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX message_qrdl_by_phone ON message_qrdl (org_id, phone_number, created_at);
