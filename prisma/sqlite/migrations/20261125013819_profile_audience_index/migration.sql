-- CreateIndex
CREATE INDEX "Profile_shopId_emailConsent_mergedIntoId_idx" ON "Profile"("shopId", "emailConsent", "mergedIntoId");
