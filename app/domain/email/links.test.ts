import { describe, expect, it } from "vitest";
import { classifyHref, decodeEntities, decorateDestination, rewriteLinks, withoutOpenPixel, type DecorateOptions, type LinkTracker } from "./links";

const options: DecorateOptions = {
  utm: { source: "shop-flows", medium: "email", campaign: "abandoned_checkout_1", content: "checkout_1" },
  profileToken: "tok.en",
  profileTokenParam: "_sft",
  shopHosts: ["northwind.myshopify.com", "www.northwind.example"],
};

/** Records what it was asked to wrap; the wrapped URL names the destination so tests can read it back. */
function recordingTracker(openPixelUrl: string | null = "https://app.example/t/o/px"): LinkTracker & { clicks: string[] } {
  const clicks: string[] = [];
  return {
    clicks,
    click(destination) {
      clicks.push(destination);
      return `https://app.example/t/c/${clicks.length}?d=${encodeURIComponent(destination)}`;
    },
    openPixelUrl,
  };
}

describe("decorateDestination", () => {
  it("adds UTM parameters and, for the shop's own https hosts, the profile token", () => {
    expect(decorateDestination("https://northwind.myshopify.com/products/mug?variant=1#reviews", options)).toBe(
      "https://northwind.myshopify.com/products/mug?variant=1&utm_source=shop-flows&utm_medium=email&utm_campaign=abandoned_checkout_1&utm_content=checkout_1&_sft=tok.en#reviews",
    );
    // www. and case do not matter for the shop's hosts.
    expect(decorateDestination("https://NORTHWIND.example/", options)).toContain("_sft=tok.en");
  });

  it("keeps UTM parameters that are already there", () => {
    const url = new URL(decorateDestination("https://northwind.myshopify.com/?utm_source=instagram&utm_campaign=spring", options));
    expect(url.searchParams.get("utm_source")).toBe("instagram");
    expect(url.searchParams.get("utm_campaign")).toBe("spring");
    expect(url.searchParams.get("utm_medium")).toBe("email");
  });

  it("never sends the profile token to another host or over plain http, and replaces a planted one", () => {
    for (const other of ["https://instagram.com/northwind", "https://northwind.myshopify.com.evil.example/", "http://northwind.myshopify.com/"]) {
      const url = new URL(decorateDestination(other, options));
      expect(url.searchParams.get("_sft"), other).toBeNull();
      expect(url.searchParams.get("utm_source"), other).toBe("shop-flows");
    }
    const planted = new URL(decorateDestination("https://northwind.myshopify.com/?_sft=someone-else", options));
    expect(planted.searchParams.getAll("_sft")).toEqual(["tok.en"]);
    expect(new URL(decorateDestination("https://northwind.myshopify.com/", { ...options, profileToken: null })).searchParams.has("_sft")).toBe(false);
  });

  it("leaves anything that is not a web URL alone", () => {
    for (const url of ["mailto:a@b.c", "not a url", "tel:+1555"]) expect(decorateDestination(url, options)).toBe(url);
  });
});

describe("classifyHref", () => {
  it("tracks web links, keeps mail, phone and fragment links, drops everything else", () => {
    expect(classifyHref("https://a.example/x")).toEqual({ kind: "web", url: "https://a.example/x" });
    expect(classifyHref("  HTTP://A.example ")).toEqual({ kind: "web", url: "http://a.example/" });
    for (const keep of ["mailto:a@b.c", "tel:+1555", "#top"]) expect(classifyHref(keep)).toEqual({ kind: "keep" });
    for (const drop of ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "java\nscript:x", "data:text/html,x", "vbscript:x", "/relative", "", "https://"]) {
      expect(classifyHref(drop), JSON.stringify(drop)).toEqual({ kind: "drop" });
    }
  });
});

describe("rewriteLinks", () => {
  const html =
    '<html><body><a href="https://shop.example/a?x=1&amp;y=2" style="c">A</a>' +
    '<a target="_blank" href="mailto:hi@shop.example">Mail</a><a href="tel:+1555">Call</a>' +
    '<a href="javascript:alert(1)">JS</a><a href="&#106;avascript:alert(1)">Encoded JS</a><a href="data:text/html,x">Data</a>' +
    '<a href="https://app.example/u/tok">Unsubscribe</a><a href="https://shop.example/a?x=1&amp;y=2">A again</a>' +
    '<a href="https://shop.example/b">B</a><a name="anchor">No href</a></body></html>';

  it("click-wraps every web link once, decorated, and lists the destinations in order", () => {
    const tracker = recordingTracker();
    const out = rewriteLinks(html, tracker, (url) => `${url}#d`, { direct: ["https://app.example/u/tok"] });
    expect(tracker.clicks).toEqual(["https://shop.example/a?x=1&y=2#d", "https://shop.example/b#d"]);
    expect(out.links).toEqual(["https://shop.example/a?x=1&y=2#d", "https://shop.example/b#d"]);
    expect(out.html).toContain(`<a href="https://app.example/t/c/1?d=${encodeURIComponent("https://shop.example/a?x=1&y=2#d")}" style="c">A</a>`);
    expect(out.html).toContain(`<a href="https://app.example/t/c/1?d=${encodeURIComponent("https://shop.example/a?x=1&y=2#d")}">A again</a>`);
  });

  it("leaves mailto:, tel: and the direct (unsubscribe) links exactly as they were", () => {
    const out = rewriteLinks(html, recordingTracker(), (url) => url, { direct: ["https://app.example/u/tok"] });
    expect(out.html).toContain('<a target="_blank" href="mailto:hi@shop.example">Mail</a>');
    expect(out.html).toContain('<a href="tel:+1555">Call</a>');
    expect(out.html).toContain('<a href="https://app.example/u/tok">Unsubscribe</a>');
    expect(out.links).not.toContain("https://app.example/u/tok");
  });

  it("drops javascript:, data: and entity-disguised hrefs but keeps the link text", () => {
    const out = rewriteLinks(html, recordingTracker(), (url) => url);
    expect(out.html).not.toMatch(/javascript|&#106;|data:/i);
    expect(out.html).toContain("<a>JS</a><a>Encoded JS</a><a>Data</a>");
    expect(out.html).toContain('<a name="anchor">No href</a>');
  });

  it("puts the open pixel just before </body>, only when the tracker has one", () => {
    const out = rewriteLinks(html, recordingTracker(), (url) => url);
    expect(out.html).toMatch(/<img src="https:\/\/app\.example\/t\/o\/px" width="1" height="1" alt="" style="display:block"><\/body><\/html>$/);
    expect(rewriteLinks(html, recordingTracker(null), (url) => url).html).not.toContain("<img");
    expect(rewriteLinks("<p>fragment</p>", recordingTracker(), (url) => url).html).toMatch(/^<p>fragment<\/p><img /);
  });

  it("without a tracker only decorates (previews)", () => {
    const out = rewriteLinks('<a href="https://shop.example/x">x</a>', null, (url) => `${url}?utm_source=s`);
    expect(out.html).toBe('<a href="https://shop.example/x?utm_source=s">x</a>');
    expect(out.links).toEqual(["https://shop.example/x?utm_source=s"]);
  });

  it("escapes what it writes back into the attribute", () => {
    const out = rewriteLinks('<a href="https://shop.example/x">x</a>', { click: () => 'https://t.example/?a=1&b="2"<', openPixelUrl: null }, (url) => url);
    expect(out.html).toBe('<a href="https://t.example/?a=1&amp;b=&quot;2&quot;&lt;">x</a>');
  });
});

describe("decodeEntities", () => {
  it("decodes the escapes our HTML holds and leaves unknown ones", () => {
    expect(decodeEntities("a&amp;b &lt;&gt;&quot;&#39;&#34;&#x41;&middot;&times;&bogus; &#0;")).toBe("a&b <>\"'\"A·×&bogus; &#0;");
  });
});

describe("withoutOpenPixel", () => {
  it("removes the pixel rewriteLinks placed and leaves every other image and the body intact", () => {
    const html = '<html><body><img src="https://shop.example/logo.png" width="1" height="1" alt=""><p>Hi</p></body></html>';
    const tracked = rewriteLinks(html, recordingTracker("https://app.example/t/o/abc.def"), (url) => url).html;
    expect(tracked).toContain("/t/o/abc.def");
    expect(withoutOpenPixel(tracked)).toBe(html);
  });
});
