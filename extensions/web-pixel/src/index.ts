import { register } from "@shopify/web-pixels-extension";
import { profileTokenFrom, readSettings, SUBSCRIBED_EVENTS, wireBody, type SubscribedEvent } from "./payload";

register(({ analytics, browser, init, settings }) => {
  const config = readSettings(settings);
  if (!config) return; // not configured for this shop yet: stay silent rather than post nowhere
  const shop = init.data.shop.myshopifyDomain;
  // Only the landing page carries the token; once its event links this client id, later pages need none.
  const profileToken = profileTokenFrom(init.context.document.location.search);

  const send = (event: SubscribedEvent) => {
    const body = wireBody(event, { shop, settings: config, profileToken });
    if (!body) return;
    const text = JSON.stringify(body);
    // A text/plain body is a CORS "simple" request: no preflight. sendBeacon survives navigation; fetch with
    // keepalive is the fallback when the beacon queue refuses the body.
    browser
      .sendBeacon(config.ingestUrl, text)
      .then((queued) => {
        if (!queued) return fetch(config.ingestUrl, { method: "POST", body: text, keepalive: true, headers: { "Content-Type": "text/plain" } });
      })
      .catch(() => undefined); // analytics must never break the storefront
  };

  for (const name of SUBSCRIBED_EVENTS) {
    analytics.subscribe(name, (event) => send(event));
  }
});
