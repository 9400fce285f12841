/** HTML that is safe to insert as is: built only by `html`, which escapes every interpolated value. */
export class SafeHtml {
  constructor (readonly value: string) {}

  /** The markup. */
  toString (): string {
    return this.value
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

/** Renders an interpolated value: SafeHtml as is, arrays joined, nullish/false as nothing, everything else escaped. */
function renderValue (value: unknown): string {
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(renderValue).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

/**
 * Tagged template that escapes every interpolation unless it is SafeHtml. Interpolate only into element
 * content or quoted attribute values, never into URLs, event handlers, scripts or styles.
 */
export function html (strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) out += renderValue(values[i]) + (strings[i + 1] ?? '')
  return new SafeHtml(out)
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>`, `&` and U+2028/2029 escaped as
 * \uXXXX, so no `</script>` or `<!--` can end or change the element (HTML Standard, script data state).
 */
export function embedJson (value: unknown): SafeHtml {
  const text = JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
  return new SafeHtml(text)
}

/** A table; header and cell values are escaped unless SafeHtml. */
export function table (headers: readonly unknown[], rows: ReadonlyArray<readonly unknown[]>, className = ''): SafeHtml {
  return html`<div class="table-wrap"><table class="${className}"><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>
`)}</tbody></table></div>`
}
