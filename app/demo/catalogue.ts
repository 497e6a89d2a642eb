/** The demo shop's catalogue and customer names: plausible outdoor-apparel data, prices in USD. */
export const DEMO_PRODUCTS = [
  { handle: "alpine-down-jacket", title: "Alpine Down Jacket", type: "Jackets", price: "249.00" },
  { handle: "ridge-rain-shell", title: "Ridge Rain Shell", type: "Jackets", price: "179.00" },
  { handle: "trail-fleece-hoodie", title: "Trail Fleece Hoodie", type: "Tops", price: "89.00" },
  { handle: "merino-base-layer", title: "Merino Base Layer", type: "Tops", price: "74.00" },
  { handle: "summit-trekking-pants", title: "Summit Trekking Pants", type: "Bottoms", price: "119.00" },
  { handle: "canyon-hiking-shorts", title: "Canyon Hiking Shorts", type: "Bottoms", price: "59.00" },
  { handle: "granite-hiking-boots", title: "Granite Hiking Boots", type: "Footwear", price: "189.00" },
  { handle: "river-trail-runners", title: "River Trail Runners", type: "Footwear", price: "139.00" },
  { handle: "wool-hiking-socks-3-pack", title: "Wool Hiking Socks (3-pack)", type: "Accessories", price: "29.00" },
  { handle: "everyday-beanie", title: "Everyday Beanie", type: "Accessories", price: "24.00" },
  { handle: "sun-trail-cap", title: "Sun Trail Cap", type: "Accessories", price: "32.00" },
  { handle: "day-pack-22l", title: "Day Pack 22L", type: "Packs", price: "99.00" },
  { handle: "expedition-pack-55l", title: "Expedition Pack 55L", type: "Packs", price: "229.00" },
  { handle: "insulated-bottle-750", title: "Insulated Bottle 750 ml", type: "Gear", price: "34.00" },
  { handle: "camp-mug", title: "Enamel Camp Mug", type: "Gear", price: "18.00" },
  { handle: "headlamp-300", title: "Headlamp 300 lm", type: "Gear", price: "45.00" },
  { handle: "trekking-poles", title: "Carbon Trekking Poles", type: "Gear", price: "129.00" },
  { handle: "packable-puffer-vest", title: "Packable Puffer Vest", type: "Jackets", price: "129.00" },
  { handle: "softshell-gloves", title: "Softshell Gloves", type: "Accessories", price: "39.00" },
  { handle: "waxed-canvas-tote", title: "Waxed Canvas Tote", type: "Packs", price: "69.00" },
] as const;

export const FIRST_NAMES = [
  "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Mia", "Lucas",
  "Charlotte", "Mateo", "Isabella", "Levi", "Ava", "Ethan", "Harper", "Aiden", "Luna", "James",
  "Mila", "Benjamin", "Aria", "Henry", "Chloe", "Sebastian", "Zoe", "Jack", "Nora", "Leo",
  "Hannah", "Yusuf", "Priya", "Kenji", "Sofia", "Mateus", "Ingrid", "Tomasz", "Aisha", "Diego",
] as const;

export const LAST_NAMES = [
  "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
  "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
  "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
  "Nakamura", "Kowalski", "Okafor", "Lindqvist", "Patel", "Rossi", "Dubois", "Novak", "Haddad", "Silva",
] as const;
