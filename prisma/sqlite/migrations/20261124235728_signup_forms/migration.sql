-- CreateTable
CREATE TABLE "SignupForm" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "formKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "firstSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SignupForm_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SignupFormDay" (
    "shopId" TEXT NOT NULL,
    "formKey" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "views" INTEGER NOT NULL DEFAULT 0,
    "submissions" INTEGER NOT NULL DEFAULT 0,
    "confirmations" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shopId", "formKey", "day"),
    CONSTRAINT "SignupFormDay_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PendingSignup" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "firstName" TEXT,
    "formKey" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'en',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "confirmedAt" DATETIME,
    "emailStatus" TEXT NOT NULL DEFAULT 'queued',
    "emailAttempts" INTEGER NOT NULL DEFAULT 0,
    "nextEmailAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "emailLeaseUntil" DATETIME,
    "emailError" TEXT,
    CONSTRAINT "PendingSignup_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ShopSettings" (
    "shopId" TEXT NOT NULL PRIMARY KEY,
    "senderName" TEXT,
    "senderEmail" TEXT,
    "replyToEmail" TEXT,
    "brandColor" TEXT NOT NULL DEFAULT '#1a1a1a',
    "logoUrl" TEXT,
    "attributionRule" TEXT NOT NULL DEFAULT 'click_then_open',
    "clickWindowHours" INTEGER NOT NULL DEFAULT 120,
    "openWindowHours" INTEGER NOT NULL DEFAULT 120,
    "excludeMachineOpens" BOOLEAN NOT NULL DEFAULT true,
    "smartSendingHours" INTEGER NOT NULL DEFAULT 16,
    "quietHoursStartMin" INTEGER NOT NULL DEFAULT 1260,
    "quietHoursEndMin" INTEGER NOT NULL DEFAULT 480,
    "holdoutPercent" INTEGER NOT NULL DEFAULT 0,
    "postalAddress" TEXT,
    "requireDoubleOptIn" BOOLEAN NOT NULL DEFAULT false,
    "signupConfirmHours" INTEGER NOT NULL DEFAULT 48,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ShopSettings_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ShopSettings" ("attributionRule", "brandColor", "clickWindowHours", "excludeMachineOpens", "holdoutPercent", "logoUrl", "openWindowHours", "postalAddress", "quietHoursEndMin", "quietHoursStartMin", "replyToEmail", "senderEmail", "senderName", "shopId", "smartSendingHours", "updatedAt") SELECT "attributionRule", "brandColor", "clickWindowHours", "excludeMachineOpens", "holdoutPercent", "logoUrl", "openWindowHours", "postalAddress", "quietHoursEndMin", "quietHoursStartMin", "replyToEmail", "senderEmail", "senderName", "shopId", "smartSendingHours", "updatedAt" FROM "ShopSettings";
DROP TABLE "ShopSettings";
ALTER TABLE "new_ShopSettings" RENAME TO "ShopSettings";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "SignupForm_shopId_formKey_key" ON "SignupForm"("shopId", "formKey");

-- CreateIndex
CREATE INDEX "PendingSignup_emailStatus_nextEmailAt_idx" ON "PendingSignup"("emailStatus", "nextEmailAt");

-- CreateIndex
CREATE UNIQUE INDEX "PendingSignup_shopId_email_formKey_key" ON "PendingSignup"("shopId", "email", "formKey");
