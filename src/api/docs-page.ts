/** The API reference page (/docs), rendered on the server from the OpenAPI document. */
import type { JsonSchema, OpenApiDocument, OpenApiOperation } from './openapi';

const esc = (value: unknown): string =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const refName = (ref: string) => ref.split('/').pop() ?? ref;

/** A one-line type: `string (pattern ^\d+$)`, `integer 1..10`, a link to a component... */
function typeOf(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  if (schema.$ref) return `<a href="#schema-${esc(refName(schema.$ref))}">${esc(refName(schema.$ref))}</a>`;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map(typeOf).join(' or ');
  if (schema.enum) return `one of ${schema.enum.map((v) => `<code>${esc(v)}</code>`).join(', ')}`;
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  if (type === 'array') return `array of ${typeOf(schema.items)}`;
  const limits = [
    schema.pattern && `pattern <code>${esc(schema.pattern)}</code>`,
    (schema.minimum !== undefined || schema.maximum !== undefined) &&
      `${schema.minimum ?? ''}..${schema.maximum ?? ''}`,
    (schema.minLength !== undefined || schema.maxLength !== undefined) &&
      `length ${schema.minLength ?? 0}..${schema.maxLength ?? ''}`,
    schema.default !== undefined && `default <code>${esc(JSON.stringify(schema.default))}</code>`,
  ].filter(Boolean);
  return `${esc(type)}${limits.length > 0 ? ` (${limits.join(', ')})` : ''}`;
}

function fieldsTable(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  if (!schema.properties) return `<p>${typeOf(schema)}</p>`;
  const rows = Object.entries(schema.properties).map(
    ([name, field]) =>
      `<tr><th scope="row"><code>${esc(name)}</code>${schema.required?.includes(name) ? ' <span class="required">required</span>' : ''}</th>` +
      `<td>${typeOf(field)}</td><td>${esc(field.description ?? '')}</td></tr>`,
  );
  return `<div class="table-scroll"><table><thead><tr><th scope="col">field</th><th scope="col">type</th><th scope="col">notes</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function operationSection(method: string, path: string, op: OpenApiOperation): string {
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-');
  const params = op.parameters ?? [];
  const body = op.requestBody?.content?.['application/json']?.schema;
  const responses = Object.entries(op.responses ?? {}).map(([status, response]) => {
    const [type, media] = Object.entries(response.content ?? {})[0] ?? [];
    return `<li><code>${esc(status)}</code> ${media ? `${esc(type)} ${typeOf(media.schema)}` : ''} ${esc(response.description ?? '')}</li>`;
  });
  return `<section class="operation" id="${esc(id)}">
  <h3><span class="method">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
  <p>${esc(op.summary ?? '')}</p>
  ${(op.description ?? '')
    .split('\n\n')
    .filter(Boolean)
    .map((p) => `<p>${esc(p)}</p>`)
    .join('')}
  ${params.length > 0 ? `<h4>Parameters</h4><ul>${params.map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''}): ${typeOf(p.schema)} ${esc(p.description ?? '')}</li>`).join('')}</ul>` : ''}
  ${body ? `<h4>Body (application/json)</h4>${fieldsTable(body)}` : ''}
  <h4>Responses</h4><ul>${responses.join('')}</ul>
</section>`;
}

export function renderDocsPage(
  doc: OpenApiDocument,
  problems: Record<string, { status: number; title: string; when: string }>,
): string {
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => operationSection(method, path, op)),
  );
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(
    ([name, schema]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${fieldsTable(schema)}</section>`,
  );
  const problemRows = Object.entries(problems).map(
    ([slug, p]) =>
      `<tr id="problem-${esc(slug)}"><th scope="row"><code>${esc(slug)}</code></th><td>${p.status}</td><td>${esc(p.title)}</td><td>${esc(p.when)}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)}: reference</title>
<link rel="stylesheet" href="/console/style.css">
</head>
<body class="docs">
<main>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). The support console is at <a href="/">/</a>.</p>
<h2>Authentication</h2>
<p>Send <code>Authorization: Bearer &lt;key&gt;</code> on every <code>/v1</code> call. Keys come from
<code>REFUND_API_KEYS</code> (<code>name:role:key</code>). Roles: <strong>viewer</strong> reads,
<strong>service</strong> reads and starts, <strong>support</strong> also submits OTPs, resends them and cancels.
A missing or unknown key is a 401, a role without the right a 403. The key's name is recorded with every action.</p>
<h2>Endpoints</h2>
${operations.join('\n')}
<h2>Problems</h2>
<p>Errors are <code>application/problem+json</code> (RFC 9457) with <code>type</code>, <code>title</code>,
<code>status</code>, <code>detail</code>; a 422 adds <code>errors</code>, one per field; a 429 may add
<code>retryAfterSeconds</code> and a <code>Retry-After</code> header.</p>
<div class="table-scroll"><table><thead><tr><th scope="col">type</th><th scope="col">status</th><th scope="col">title</th><th scope="col">when</th></tr></thead>
<tbody>${problemRows.join('')}</tbody></table></div>
<h2>Schemas</h2>
${schemas.join('\n')}
</main>
</body>
</html>
`;
}
