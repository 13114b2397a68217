/**
 * The API reference page (/docs): Swagger UI (@fastify/swagger-ui) on the OpenAPI document, served
 * by this process under the API's strict CSP. Its scripts and stylesheets are files of its own; the
 * icons its stylesheet inlines as `data:` URLs (which `img-src 'self'` refuses) are served as files
 * too, so the page needs no exception to the policy.
 */
import fs from 'node:fs';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { ZodApp } from './openapi';

const DOCS_PATH = '/docs';
const ICONS_PATH = `${DOCS_PATH}/icons`;

/**
 * A problem's `type` is `/docs#problem-<type>`: its row in the problem types of the document's
 * description, which Swagger UI renders after the page has loaded, too late for the browser to
 * scroll to it. This scrolls there once it exists, and marks it.
 */
const PROBLEM_ANCHORS_JS = `'use strict';
(function () {
  var waiting;
  function show() {
    if (waiting) waiting.disconnect();
    var id = decodeURIComponent(location.hash.slice(1));
    if (id.indexOf('problem-') !== 0) return;
    function reveal() {
      var row = document.getElementById(id);
      if (!row) return false;
      var marked = document.querySelectorAll('.problem-target');
      for (var i = 0; i < marked.length; i++) marked[i].classList.remove('problem-target');
      row.classList.add('problem-target');
      row.scrollIntoView({ block: 'center' });
      return true;
    }
    if (reveal()) return;
    waiting = new MutationObserver(function () {
      if (reveal()) waiting.disconnect();
    });
    waiting.observe(document.body, { childList: true, subtree: true });
  }
  window.addEventListener('hashchange', show);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
})();
`;

const PAGE_CSS = `.swagger-ui .info .description table { border-collapse: collapse; margin: 0.5em 0 1em; }
.swagger-ui .info .description th,
.swagger-ui .info .description td { border-bottom: 1px solid #d8dde7; padding: 0.35em 0.75em 0.35em 0; text-align: left; vertical-align: top; }
.swagger-ui .info .description tr.problem-target { background: #fff5c2; }
`;

interface Icon {
  name: string;
  type: string;
  content: Buffer;
}

// A url() holding a data: URL, quoted or not (an SVG in one holds escaped quotes and parentheses).
const DATA_URL = /url\(\s*(?:"(data:(?:\\.|[^"\\])*)"|'(data:(?:\\.|[^'\\])*)'|(data:[^)"'\s]*))\s*\)/g;

/** The stylesheet with each `data:` image in it replaced by a file under /docs/icons/, and those files. */
function inlineImagesAsFiles(css: string): { css: string; icons: Icon[] } {
  const icons = new Map<string, Icon>();
  const rewritten = css.replace(DATA_URL, (whole, double?: string, single?: string, bare?: string) => {
    const url = double ?? single ?? bare ?? '';
    let icon = icons.get(url);
    if (!icon) {
      icon = fromDataUrl(url, `icon-${icons.size + 1}`);
      if (!icon) return whole;
      icons.set(url, icon);
    }
    return `url("${ICONS_PATH}/${icon.name}")`;
  });
  return { css: rewritten, icons: [...icons.values()] };
}

const EXTENSIONS: Record<string, string> = { 'image/svg+xml': 'svg', 'image/png': 'png', 'image/jpeg': 'jpg' };

/** A `data:` URL from a stylesheet (quotes escaped as in CSS) as a file, or undefined if not an image. */
function fromDataUrl(url: string, stem: string): Icon | undefined {
  const parsed = /^data:([\w/+.-]+)((?:;[\w=.-]+)*),(.*)$/s.exec(url.replace(/\\(["'\\])/g, '$1'));
  if (!parsed) return undefined;
  const [, type, parameters, data] = parsed;
  const extension = EXTENSIONS[type];
  if (extension === undefined) return undefined;
  const base64 = parameters.split(';').includes('base64');
  let content: Buffer;
  try {
    content = base64 ? Buffer.from(data, 'base64') : Buffer.from(decodeURIComponent(data), 'utf8');
  } catch {
    return undefined; // not URL-encoded after all
  }
  return { name: `${stem}.${extension}`, type, content };
}

const SWAGGER_UI_CSS = require.resolve('@fastify/swagger-ui/static/swagger-ui.css');

export async function registerReferencePage(app: ZodApp, title: string): Promise<void> {
  const { css, icons } = inlineImagesAsFiles(fs.readFileSync(SWAGGER_UI_CSS, 'utf8'));
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PATH,
    uiConfig: {
      // Every operation listed, none expanded; no top bar to load other documents from.
      layout: 'BaseLayout',
      docExpansion: 'list',
      deepLinking: true,
      displayOperationId: true,
      // A reference: requests are made with the CLI, the client or curl, not from this page.
      supportedSubmitMethods: [],
    },
    theme: {
      title,
      css: [{ filename: 'page.css', content: PAGE_CSS }],
      js: [{ filename: 'problem-anchors.js', content: PROBLEM_ANCHORS_JS }],
    },
  });
  // Swagger UI's stylesheet with its icons as files: this route is more specific than the
  // plugin's /docs/static/*, so it answers for that file.
  app.get(`${DOCS_PATH}/static/swagger-ui.css`, { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(css),
  );
  for (const icon of icons) {
    app.get(`${ICONS_PATH}/${icon.name}`, { schema: { hide: true } }, (_request, reply) =>
      reply.type(icon.type).send(icon.content),
    );
  }
}
