/**
 * Renderer-side security checks shared by the web and electron e2e projects:
 * what an attacker's injected markup can (not) do inside the app's page.
 */
import type { Page } from '@playwright/test';

export interface RendererExposure {
  /** typeof for Node's globals as the page sees them: all must be 'undefined'. */
  nodeGlobals: Record<string, string>;
  /** Whether an injected inline <script> ran. */
  inlineScriptRan: boolean;
  /** Whether an injected inline event handler (onerror=…) ran. */
  inlineHandlerRan: boolean;
  /** Whether string code ran (a setTimeout string: eval under the CSP's rules). */
  evalRan: boolean;
  /** CSP violation reports the page raised, as 'directive blocked-uri'. */
  violations: string[];
}

/** Injects an inline script, an inline handler and an eval into the loaded app page, and reports what happened. */
export function probeRenderer(page: Page): Promise<RendererExposure> {
  return page.evaluate(async () => {
    const w = window as unknown as Record<string, unknown>;
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));

    const script = document.createElement('script');
    script.textContent = 'window.__inlineScriptRan = true;';
    document.body.appendChild(script);

    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.__inlineHandlerRan = true');
    img.src = 'data:image/png;base64,broken';
    document.body.appendChild(img);

    // A string timer compiles code the way eval does. (A direct eval() here would prove
    // nothing: code Playwright injects through DevTools is exempt from the page's CSP.)
    (setTimeout as unknown as (code: string, ms: number) => number)('window.__evalRan = true', 0);
    // Violation events and the image's error are delivered asynchronously.
    await new Promise((r) => setTimeout(r, 500));
    const nodeGlobals: Record<string, string> = {};
    for (const name of ['require', 'process', 'module', 'Buffer', 'global', '__dirname']) nodeGlobals[name] = typeof w[name];
    return { nodeGlobals, inlineScriptRan: w.__inlineScriptRan === true, inlineHandlerRan: w.__inlineHandlerRan === true, evalRan: w.__evalRan === true, violations };
  });
}
