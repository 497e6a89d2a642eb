import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AppProvider, Banner, BlockStack, Button, Card, Page, Text } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import polarisTranslations from "@shopify/polaris/locales/en.json";
import db from "../db.server";
import { isDemoLoginEnabled } from "../env.server";
import { startDemoSession } from "../demo/session.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];
export const meta: MetaFunction = () => [{ title: "Demo login" }];

function notFound(): never {
  throw new Response("Not Found", { status: 404 });
}

export const loader = async (_args: LoaderFunctionArgs) => {
  if (!isDemoLoginEnabled()) notFound();
  const shops = await db.shop.findMany({ where: { isDemo: true }, select: { domain: true, name: true } });
  return { shops, polarisTranslations };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  if (!isDemoLoginEnabled()) notFound();
  const form = await request.formData();
  const shop = form.get("shop");
  if (typeof shop !== "string" || shop.length > 255) return { error: "Choose a demo shop." };
  const response = await startDemoSession(db, shop, "/app");
  return response ?? { error: `${shop} is not a demo shop.` };
};

export default function DemoLogin() {
  const { shops, polarisTranslations: i18n } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <AppProvider i18n={i18n}>
      <Page narrowWidth title="Demo login">
        <BlockStack gap="400">
          <Banner tone="warning">
            Demo mode: this login exists only on a local demo and cannot be enabled in production.
          </Banner>
          {result && "error" in result ? <Banner tone="critical">{result.error}</Banner> : null}
          {shops.length === 0 ? (
            <Card>
              <Text as="p">No demo shop yet: run npm run demo to seed one.</Text>
            </Card>
          ) : (
            shops.map((shop) => (
              <Card key={shop.domain}>
                <Form method="post">
                  <input type="hidden" name="shop" value={shop.domain} />
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd">
                      {shop.name}
                    </Text>
                    <Text as="p" tone="subdued">
                      {shop.domain}
                    </Text>
                    <Button submit variant="primary">{`Open ${shop.name}`}</Button>
                  </BlockStack>
                </Form>
              </Card>
            ))
          )}
        </BlockStack>
      </Page>
    </AppProvider>
  );
}
