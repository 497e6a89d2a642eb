/*
  Warnings:

  - A unique constraint covering the columns `[pixelIngestKey]` on the table `Shop` will be added. If there are existing duplicate values, this will fail.

*/
-- AlterTable
ALTER TABLE "Shop" ADD COLUMN "pixelIngestKey" TEXT;

-- CreateTable
CREATE TABLE "OrderState" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "profileId" TEXT,
    "placedAt" DATETIME NOT NULL,
    "shopifyUpdatedAt" DATETIME NOT NULL,
    "currency" TEXT NOT NULL,
    "totalMinor" BIGINT NOT NULL,
    "refundedMinor" BIGINT NOT NULL DEFAULT 0,
    "cancelled" BOOLEAN NOT NULL DEFAULT false,
    "test" BOOLEAN NOT NULL DEFAULT false,
    "countedMinor" BIGINT NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "OrderState_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "BackfillJob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "bulkOperationId" TEXT,
    "resultUrl" TEXT,
    "linesProcessed" INTEGER NOT NULL DEFAULT 0,
    "objectCount" INTEGER,
    "error" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "BackfillJob_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DataRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "shopifyCustomerId" TEXT,
    "email" TEXT,
    "export" JSONB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "DataRequest_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Profile" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "shopifyCustomerId" TEXT,
    "emailConsent" TEXT NOT NULL DEFAULT 'unknown',
    "emailConsentAt" DATETIME,
    "emailConsentSource" TEXT,
    "properties" JSONB,
    "factsAsOf" DATETIME,
    "ordersCount" INTEGER NOT NULL DEFAULT 0,
    "revenueMinor" BIGINT NOT NULL DEFAULT 0,
    "refundedMinor" BIGINT NOT NULL DEFAULT 0,
    "averageDaysBetweenOrders" REAL,
    "currency" TEXT,
    "firstOrderAt" DATETIME,
    "lastOrderAt" DATETIME,
    "expectedNextOrderAt" DATETIME,
    "rfmRecency" INTEGER,
    "rfmFrequency" INTEGER,
    "rfmMonetary" INTEGER,
    "rfmGroup" TEXT,
    "leadScore" INTEGER NOT NULL DEFAULT 0,
    "lastActiveAt" DATETIME,
    "mergedIntoId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Profile_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Profile" ("createdAt", "currency", "email", "emailConsent", "emailConsentAt", "emailConsentSource", "expectedNextOrderAt", "firstName", "firstOrderAt", "id", "lastActiveAt", "lastName", "lastOrderAt", "leadScore", "mergedIntoId", "ordersCount", "phone", "properties", "revenueMinor", "rfmGroup", "shopId", "shopifyCustomerId", "updatedAt") SELECT "createdAt", "currency", "email", "emailConsent", "emailConsentAt", "emailConsentSource", "expectedNextOrderAt", "firstName", "firstOrderAt", "id", "lastActiveAt", "lastName", "lastOrderAt", "leadScore", "mergedIntoId", "ordersCount", "phone", "properties", "revenueMinor", "rfmGroup", "shopId", "shopifyCustomerId", "updatedAt" FROM "Profile";
DROP TABLE "Profile";
ALTER TABLE "new_Profile" RENAME TO "Profile";
CREATE INDEX "Profile_shopId_email_idx" ON "Profile"("shopId", "email");
CREATE INDEX "Profile_shopId_shopifyCustomerId_idx" ON "Profile"("shopId", "shopifyCustomerId");
CREATE INDEX "Profile_shopId_lastOrderAt_idx" ON "Profile"("shopId", "lastOrderAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "OrderState_shopId_profileId_idx" ON "OrderState"("shopId", "profileId");

-- CreateIndex
CREATE UNIQUE INDEX "OrderState_shopId_orderId_key" ON "OrderState"("shopId", "orderId");

-- CreateIndex
CREATE UNIQUE INDEX "BackfillJob_shopId_kind_key" ON "BackfillJob"("shopId", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "DataRequest_shopId_requestId_key" ON "DataRequest"("shopId", "requestId");

-- CreateIndex
CREATE UNIQUE INDEX "Shop_pixelIngestKey_key" ON "Shop"("pixelIngestKey");
