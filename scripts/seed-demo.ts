import { createPrismaClient } from "../app/db/client.server";
import { seedDemoShop } from "../app/demo/seed.server";
import { switchOnPreset } from "../app/models/flow-definitions.server";

// The presets a merchant typically switches on first; the rest stay off to show the choice.
const DEMO_LIVE_PRESETS = ["welcome", "abandoned_checkout", "post_purchase", "browse_abandonment"] as const;

const db = createPrismaClient(process.env.DATABASE_URL ?? "file:./data/app.db");
try {
  const { shop, created } = await seedDemoShop(db);
  if (created) for (const preset of DEMO_LIVE_PRESETS) await switchOnPreset(db, shop.id, preset);
  console.log(created ? `Seeded ${shop.name} (${shop.domain}); switched on: ${DEMO_LIVE_PRESETS.join(", ")}.` : `${shop.name} is already seeded.`);
} finally {
  await db.$disconnect();
}
