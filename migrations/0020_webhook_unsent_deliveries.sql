-- Deliveries whose queue message was never sent (the send after their rows were written failed):
-- the cron finds them by this partial index, which holds only deliveries not yet attempted, and
-- queues them again (webhooks/events.ts, requeueUnsentDeliveries).
CREATE INDEX webhook_deliveries_unsent ON webhook_deliveries (created_at) WHERE status = 'pending' AND attempts = 0;
