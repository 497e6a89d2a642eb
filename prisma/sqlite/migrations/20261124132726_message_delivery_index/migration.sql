-- CreateIndex
CREATE INDEX "Message_status_queuedAt_idx" ON "Message"("status", "queuedAt");
