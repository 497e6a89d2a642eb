import { createPrismaClient } from "../app/db/client.server";
import { DEMO_LIVE_PRESETS, seedDemo } from "../app/demo/seed.server";

// npm run db:seed: the demo shop with its history up to now (npm run demo seeds it a month back instead).
const db = createPrismaClient(process.env.DATABASE_URL ?? "file:./data/app.db");
try {
  const { shop, created } = await seedDemo(db);
  console.log(created ? `Seeded ${shop.name} (${shop.domain}); switched on: ${DEMO_LIVE_PRESETS.join(", ")}.` : `${shop.name} is already seeded.`);
} finally {
  await db.$disconnect();
}
