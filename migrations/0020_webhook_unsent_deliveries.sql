-- Deliveries whose queue message was never sent (the send after their rows were written failed):
-- the cron finds them through this partial index, which holds only deliveries not yet attempted,
-- queues them again and notes when (requeued_at), so the next run moves on to others and a
-- delivery is requeued again only a day later (webhooks/events.ts, requeueUnsentDeliveries).
ALTER TABLE webhook_deliveries ADD COLUMN requeued_at TEXT;
CREATE INDEX webhook_deliveries_unsent ON webhook_deliveries (created_at) WHERE status = 'pending' AND attempts = 0;
