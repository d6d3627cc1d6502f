import { existsSync, readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { SaxesParser } from 'saxes';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

const ROOT = new URL('../../', import.meta.url);
// CommonJS modules: under `nodenext` their classes are on `.default`.
const Ajv = AjvModule.default;
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;

export type Validate = ((data: unknown) => boolean) & { errors?: unknown };

let sarif: Validate | undefined;
/** The official SARIF 2.1.0 schema (draft-04), as vendored from @microsoft/jest-sarif. */
export function sarifValidator(): Validate {
  if (sarif) return sarif;
  // The schema's language pattern is invalid under the `u` flag: unicodeRegExp must be off.
  const ajv = new AjvDraft04({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  const schema = JSON.parse(readFileSync(new URL('test/fixtures/sarif-2.1.0.json', ROOT), 'utf8')) as object;
  sarif = ajv.compile(schema) as Validate;
  return sarif;
}

let json: Validate | undefined;
/** docs/json-report.schema.json, compiled strictly so that the schema itself stays well-formed. */
export function jsonReportValidator(): Validate {
  if (json) return json;
  const ajv = new Ajv({ strict: true, allErrors: true });
  const schema = JSON.parse(readFileSync(new URL('docs/json-report.schema.json', ROOT), 'utf8')) as object;
  json = ajv.compile(schema) as Validate;
  return json;
}

export function errorsOf(validate: Validate): string {
  return JSON.stringify(validate.errors, null, 1)?.slice(0, 3000) ?? '';
}

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** The text directly inside it (not its children's). */
  text: string;
}

/**
 * Parses XML with saxes, a strictly conforming XML 1.0 parser: an unescaped `&` or `<`, a control
 * character or `]]>` in text is an error. Returns the root element.
 */
export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: false });
  const problems: string[] = [];
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on('error', (error) => problems.push(error.message));
  parser.on('opentag', (tag) => {
    const element: XmlElement = { name: tag.name, attributes: { ...(tag.attributes as Record<string, string>) }, children: [], text: '' };
    if (stack.length === 0) root = element;
    else stack[stack.length - 1]!.children.push(element);
    stack.push(element);
  });
  parser.on('closetag', () => stack.pop());
  parser.on('text', (t) => {
    if (stack.length > 0) stack[stack.length - 1]!.text += t;
  });
  try {
    parser.write(text).close();
  } catch (error) {
    problems.push(String(error));
  }
  if (problems.length > 0 || !root) throw new Error(`invalid XML:\n${problems.join('\n')}`);
  return root;
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, headless; scripts/ensure-redis.sh installs it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/test.sh (it installs Debian's chromium) or apt-get install chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking'] });
}

/** True for a PNG file's signature. */
export function isPng(bytes: Buffer): boolean {
  return bytes.length > 100 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

/** Every URL the page could fetch or navigate to: attributes that take one, and CSS url()/@import. */
export function externalReferences(page: string): string[] {
  const refs: string[] = [];
  for (const m of page.matchAll(/<([a-z]+)\b[^>]*?\s(src|href|action|formaction|poster|data|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi)) {
    const [, tag, , raw] = m;
    const url = raw!.replace(/^["']|["']$/g, '');
    refs.push(`${tag!.toLowerCase()} ${url}`);
  }
  for (const m of page.matchAll(/url\(|@import/gi)) refs.push(`css ${m[0]}`);
  return refs;
}
