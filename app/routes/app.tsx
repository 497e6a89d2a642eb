import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useLocation, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { Frame, Navigation, TopBar } from "@shopify/polaris";
import { HomeIcon, AutomationIcon, FormsIcon, GaugeIcon, PersonIcon, PersonSegmentIcon, SettingsIcon } from "@shopify/polaris-icons";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { requireShop } from "../admin.server";
import { env } from "../env.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const NAV_ITEMS = [
  { url: "/app", label: "Home", icon: HomeIcon, exact: true },
  { url: "/app/flows", label: "Flows", icon: AutomationIcon },
  { url: "/app/customers", label: "Customers", icon: PersonIcon },
  { url: "/app/segments", label: "Segments", icon: PersonSegmentIcon },
  { url: "/app/forms", label: "Signup forms", icon: FormsIcon },
  { url: "/app/scoring", label: "Lead scoring", icon: GaugeIcon },
  { url: "/app/settings", label: "Settings", icon: SettingsIcon },
];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, mode } = await requireShop(request);
  return { mode, apiKey: env.SHOPIFY_API_KEY, shopName: shop.name };
};

export default function AppLayout() {
  const { mode, apiKey, shopName } = useLoaderData<typeof loader>();
  if (mode === "embedded") {
    return (
      <AppProvider isEmbeddedApp apiKey={apiKey}>
        <NavMenu>
          {NAV_ITEMS.map((item) => (
            <Link key={item.url} to={item.url} rel={item.exact ? "home" : undefined}>
              {item.label}
            </Link>
          ))}
        </NavMenu>
        <Outlet />
      </AppProvider>
    );
  }
  return (
    <AppProvider isEmbeddedApp={false} apiKey={apiKey}>
      <DemoFrame shopName={shopName} />
    </AppProvider>
  );
}

/** Outside the Shopify admin the demo draws its own navigation where the admin's sidebar would be. */
function DemoFrame({ shopName }: { shopName: string }) {
  const location = useLocation();
  const topBar = (
    <TopBar
      userMenu={
        <TopBar.UserMenu
          name={shopName}
          detail="Demo shop"
          initials={shopName.slice(0, 1).toUpperCase()}
          open={false}
          onToggle={() => {}}
          actions={[{ items: [{ content: "Log out", url: "/demo/logout" }] }]}
        />
      }
    />
  );
  const navigation = (
    <Navigation location={location.pathname}>
      <Navigation.Section
        items={NAV_ITEMS.map((item) => ({
          url: item.url,
          label: item.label,
          icon: item.icon,
          exactMatch: item.exact,
        }))}
      />
    </Navigation>
  );
  return (
    <Frame topBar={topBar} navigation={navigation}>
      <Outlet />
    </Frame>
  );
}

// Shopify needs Remix to catch some thrown responses, so that their headers are included in the response.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
