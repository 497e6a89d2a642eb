-- CreateIndex
CREATE INDEX "Message_shopId_discountCode_idx" ON "Message"("shopId", "discountCode");
