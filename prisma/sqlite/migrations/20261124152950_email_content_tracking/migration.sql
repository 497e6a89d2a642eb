-- AlterTable
ALTER TABLE "Message" ADD COLUMN "bounceType" TEXT;
ALTER TABLE "Message" ADD COLUMN "discountCode" TEXT;

-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "postalAddress" TEXT;

-- CreateTable
CREATE TABLE "ShopifyTask" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" DATETIME,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "doneAt" DATETIME,
    CONSTRAINT "ShopifyTask_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ShopifyTask_status_nextAttemptAt_idx" ON "ShopifyTask"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "ShopifyTask_shopId_key_key" ON "ShopifyTask"("shopId", "key");
