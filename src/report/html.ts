import type { RuleResult, TargetResult } from '../engine/run.ts';
import { shownSource } from './shown-path.ts';
import type { Rule, Section, Severity, Status } from '../rules/define.ts';
import { SEVERITIES } from '../rules/define.ts';
import {
  emptySeverityCounts,
  escapeAttr as attr,
  escapeText as text,
  ruleDocUrl,
  rulesById,
  SECTION_TITLES,
  SECTIONS,
  sectionOf,
  STATUSES,
  titleCase,
  triage,
  turnedOffIn,
} from './common.ts';
import type { SeverityCounts } from './common.ts';
import type { ReportContext, Reporter } from './types.ts';

type StatusCounts = Record<Status, number>;

interface Tally {
  readonly fail: SeverityCounts;
  readonly status: StatusCounts;
  accepted: number;
}

function newTally(): Tally {
  return { fail: emptySeverityCounts(), status: { pass: 0, fail: 0, skip: 0, error: 0, manual: 0 }, accepted: 0 };
}

function add(tally: Tally, r: RuleResult): void {
  tally.status[r.status] += 1;
  const t = triage(r);
  if (t === 'active') tally.fail[r.severity] += 1;
  else if (t !== 'none') tally.accepted += 1;
}

function count(n: number, kind: string): string {
  return n === 0 ? '<td class="num zero">0</td>' : `<td class="num"><span class="pill ${kind}">${n}</span></td>`;
}

function tallyCells(t: Tally): string {
  return [
    ...SEVERITIES.map((s) => count(t.fail[s], `sev-${s}`)),
    count(t.accepted, 'accepted'),
    count(t.status.pass, 'st-pass'),
    count(t.status.skip, 'st-skip'),
    count(t.status.manual, 'st-manual'),
    count(t.status.error, 'st-error'),
  ].join('');
}

const TALLY_HEADER = [...SEVERITIES.map(titleCase), 'Accepted', 'Pass', 'Skip', 'Manual', 'Error'].map((h) => `<th class="num">${h}</th>`).join('');

function sectionTable(targets: readonly TargetResult[], byId: ReadonlyMap<string, Rule>): string {
  const tallies = new Map<Section, Tally>(SECTIONS.map((s) => [s, newTally()]));
  const rules = new Map<Section, Set<string>>(SECTIONS.map((s) => [s, new Set()]));
  for (const t of targets) {
    if (t.error !== undefined) continue;
    for (const r of t.results) {
      add(tallies.get(sectionOf(r, byId))!, r);
      rules.get(sectionOf(r, byId))!.add(r.ruleId);
    }
  }
  const rows = SECTIONS.filter((s) => rules.get(s)!.size > 0).map((s) => {
    const n = rules.get(s)!.size;
    return `<tr><th scope="row">${text(SECTION_TITLES[s])}<span class="sub">${n} rule${n === 1 ? '' : 's'}</span></th>${tallyCells(tallies.get(s)!)}</tr>`;
  });
  if (rows.length === 0) return '<p class="muted">No rule was judged: the target could not be audited.</p>';
  return `<table class="tally sections"><thead><tr><th>Checklist section</th>${TALLY_HEADER}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function serverLine(t: TargetResult): string {
  const labels = labelList(t);
  const shown = labels.length > 0 ? ` <span class="labels">${labels.map((l) => `<span class="label">${text(l)}</span>`).join(' ')}</span>` : '';
  if (t.error !== undefined) return `<span class="st st-error">not audited</span> ${text(t.error)}${shown}`;
  return (t.server ? text(`${t.server.product} ${t.server.version ?? '?'} · ${t.server.mode}`) : '') + shown;
}

/** `team=payments`, sorted: what the label filter matches. */
function labelList(t: TargetResult): string[] {
  return Object.entries(t.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}

/**
 * A label as the filter matches it: white space and `%` percent-encoded, so that the space-framed list of a row
 * holds one word per label. A value with a space (`team=pay ments`) once matched the filter for `team=pay` too.
 */
function labelToken(label: string): string {
  return label.replace(/[%\s]/gu, (c) => encodeURIComponent(c));
}

/** The space-framed label list of a row, for the script's filter (` env=prod team=payments `). */
function labelData(t: TargetResult): string {
  const labels = labelList(t);
  return labels.length > 0 ? ` data-labels="${attr(` ${labels.map(labelToken).join(' ')} `)}"` : '';
}

function targetsTable(targets: readonly TargetResult[]): string {
  const rows = targets.map((t, i) => {
    const tally = newTally();
    for (const r of t.error === undefined ? t.results : []) add(tally, r);
    return `<tr><th scope="row"><a class="target-link" href="#target-${i}" data-tab="t${i}">${text(t.target)}</a><span class="sub">${serverLine(t)}</span></th>${tallyCells(tally)}</tr>`;
  });
  return `<table class="tally targets"><thead><tr><th>Target</th>${TALLY_HEADER}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

interface Row {
  readonly index: number;
  readonly target: TargetResult;
  readonly result: RuleResult;
}

/** A choice of one label (`team=payments`) when the targets have labels: a fleet report sliced by team. */
function labelFilter(targets: readonly TargetResult[]): string {
  const all = [...new Set(targets.flatMap(labelList))].sort();
  if (all.length === 0) return '';
  const options = all.map((l) => `<option value="${attr(labelToken(l))}">${text(l)}</option>`).join('');
  return `<fieldset><legend>Label</legend><select id="label" aria-label="Show the targets with this label"><option value="">all targets</option>${options}</select></fieldset>\n`;
}

const STATUS_ORDER: Record<Status, number> = { fail: 0, error: 1, manual: 2, skip: 3, pass: 4 };

function sortRows(rows: Row[], ruleOrder: ReadonlyMap<string, number>): Row[] {
  const sev = (r: RuleResult) => (r.status === 'fail' ? SEVERITIES.indexOf(r.severity) : 0);
  const accepted = (r: RuleResult) => (triage(r) === 'active' || triage(r) === 'none' ? 0 : 1);
  return rows.sort(
    (a, b) =>
      STATUS_ORDER[a.result.status] - STATUS_ORDER[b.result.status] ||
      accepted(a.result) - accepted(b.result) ||
      sev(a.result) - sev(b.result) ||
      (ruleOrder.get(a.result.ruleId) ?? 1e9) - (ruleOrder.get(b.result.ruleId) ?? 1e9) ||
      a.index - b.index,
  );
}

function findingRow({ index, target, result: r }: Row, byId: ReadonlyMap<string, Rule>, paths: Pick<ReportContext, 'root' | 'sourceRoot'>): string {
  const t = triage(r);
  const badges = [`<span class="st st-${r.status}">${r.status}</span>`];
  if (t === 'suppressed') badges.push('<span class="st accepted">suppressed</span>');
  if (t === 'baselined') badges.push('<span class="st accepted">baseline</span>');
  if (r.disabled !== undefined) badges.push('<span class="st st-skip">turned off</span>');
  const severity = r.status === 'fail' ? `<span class="sev sev-${r.severity}">${r.severity}</span>` : '';
  // A message quotes server values: plain text. Remediations are ours and mark code with backticks.
  const parts = [`<p class="msg">${text(r.message)}</p>`];
  if (r.suppressed) {
    parts.push(`<p class="note">Suppressed: ${text(r.suppressed.reason)}${r.suppressed.expires ? ` (until ${text(r.suppressed.expires)})` : ''}</p>`);
  } else if (t === 'baselined') {
    parts.push('<p class="note">Known failure: recorded in the baseline.</p>');
  }
  if (r.source) parts.push(`<p class="where">at <code>${text(shownSource(r.source, paths))}</code></p>`);
  if (r.status === 'fail') parts.push(`<p class="fix"><strong>Fix:</strong> ${rich(r.remediation)}</p>`);
  if (r.evidence.length > 0) {
    parts.push(`<details><summary>Evidence (${r.evidence.length})</summary><ul>${r.evidence.map((e) => `<li><code>${text(e)}</code></li>`).join('')}</ul></details>`);
  }
  const section = sectionOf(r, byId);
  return [
    `<tr class="finding" data-status="${r.status}" data-severity="${r.severity}" data-target="t${index}"${labelData(target)}${t === 'suppressed' || t === 'baselined' ? ' data-accepted="1"' : ''}>`,
    `<td class="result">${badges.join(' ')} ${severity}</td>`,
    `<td class="rule"><a href="${attr(ruleDocUrl(r.ruleId))}" rel="noreferrer">${text(r.ruleId)}</a><span class="sub">${text(r.title)}</span><span class="sub">${text(r.checklist || section)}</span></td>`,
    `<td class="target">${text(target.target)}</td>`,
    `<td class="detail">${parts.join('')}</td>`,
    '</tr>',
  ].join('');
}

/** A target that could not be audited is one row, not one error per rule. */
function targetErrorRow(index: number, target: TargetResult): string {
  return [
    `<tr class="finding" data-status="error" data-severity="info" data-target="t${index}"${labelData(target)}>`,
    '<td class="result"><span class="st st-error">error</span></td>',
    '<td class="rule">—<span class="sub">every rule</span></td>',
    `<td class="target">${text(target.target)}</td>`,
    `<td class="detail"><p class="msg">Could not be audited: ${text(target.error ?? '')}</p></td>`,
    '</tr>',
  ].join('');
}

/** Escaped text, with `backticked` parts (commands, directives in remediations) as code. */
function rich(value: string): string {
  return text(value).replace(/`([^`\n]+)`/g, '<code>$1</code>');
}

function checkbox(name: string, value: string, label: string, n: number, checked: boolean): string {
  return `<label class="chk ${name}-${value}"><input type="checkbox" name="${name}" value="${value}"${checked ? ' checked' : ''}> ${label} <span class="n">${n}</span></label>`;
}

const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#1f2430;--muted:#667085;--line:#e3e6ea;--accent:#b42318;
--crit:#7a0916;--crit-bg:#fde3e6;--high:#b42318;--high-bg:#fee4e2;--med:#93370d;--med-bg:#fef0c7;--low:#175cd3;--low-bg:#dbe9fe;--info:#475467;--info-bg:#eaecf0;
--pass:#067647;--pass-bg:#dcfae6;--skip:#475467;--skip-bg:#eaecf0;--man:#0e7090;--man-bg:#cff9fe;--err:#6927da;--err-bg:#ebe9fe;--acc:#5d4e00;--acc-bg:#f5f0c8}
*{box-sizing:border-box}
html{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
body{margin:0}
[hidden]{display:none!important}
header.top{background:#101828;color:#fff;padding:20px 32px}
header.top h1{margin:0;font-size:22px;font-weight:650;letter-spacing:.2px}
header.top .meta{margin:4px 0 0;color:#d0d5dd;font-size:13px}
main{max-width:1320px;margin:0 auto;padding:24px 32px 48px}
h2{font-size:18px;margin:28px 0 12px}
h3{font-size:15px;margin:20px 0 8px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.4px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 18px;flex:1 1 110px}
.card .v{font-size:28px;font-weight:700;line-height:1.1}
.card .k{color:var(--muted);font-size:13px}
.card .small{font-size:12px}
.card.fail,.card.ok{flex:2 1 300px}
.card.fail{border-left:5px solid var(--accent)}
.card.fail .v{color:var(--accent)}
.card.ok{border-left:5px solid var(--pass)}
.card.ok .v{color:var(--pass)}
.sevs{display:flex;gap:6px;margin-top:8px;flex-wrap:wrap}
.warn{background:#fffaeb;border:1px solid #fedf89;border-radius:10px;padding:10px 16px;margin-top:16px}
.warn ul{margin:6px 0 0;padding-left:18px}
.tabs{display:flex;flex-wrap:wrap;gap:4px;margin-top:28px;border-bottom:2px solid var(--line)}
.tabs button{font:inherit;font-size:14px;border:1px solid transparent;border-bottom:none;background:none;padding:8px 14px;border-radius:8px 8px 0 0;cursor:pointer;color:var(--muted);margin-bottom:-2px}
.tabs button[aria-selected=true]{background:var(--card);border-color:var(--line);color:var(--ink);font-weight:600;border-bottom:2px solid var(--card)}
.tabs .n{display:inline-block;min-width:20px;padding:0 6px;margin-left:6px;border-radius:10px;background:var(--high-bg);color:var(--high);font-size:12px;font-weight:600;text-align:center}
.tabs .n.zero{background:var(--pass-bg);color:var(--pass)}
.tabs .n.down{background:var(--err-bg);color:var(--err)}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:4px 20px 18px;margin-top:16px}
.js .multi .panel{border-top-left-radius:0;margin-top:0;border-top:none}
.js .panel:not(.active){display:none}
.panel h2{margin-top:16px}
.server{color:var(--muted);margin:-6px 0 8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);font-weight:600;background:#fafbfc}
.tally th[scope=row]{font-weight:600}
.num{text-align:right;width:64px;font-variant-numeric:tabular-nums}
.zero{color:#c0c5cd}
.sub{display:block;font-weight:400;color:var(--muted);font-size:12.5px}
.pill,.sev,.st{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.sev-critical{background:var(--crit-bg);color:var(--crit)}.sev-high{background:var(--high-bg);color:var(--high)}.sev-medium{background:var(--med-bg);color:var(--med)}
.sev-low{background:var(--low-bg);color:var(--low)}.sev-info{background:var(--info-bg);color:var(--info)}
.st-fail{background:var(--high-bg);color:var(--high)}.st-pass{background:var(--pass-bg);color:var(--pass)}.st-skip{background:var(--skip-bg);color:var(--skip)}
.st-manual{background:var(--man-bg);color:var(--man)}.st-error{background:var(--err-bg);color:var(--err)}.accepted{background:var(--acc-bg);color:var(--acc)}
.findings-box{background:var(--card);border:1px solid var(--line);border-radius:10px;margin-top:16px;overflow:hidden}
.filters{display:flex;flex-wrap:wrap;gap:10px 22px;align-items:center;padding:12px 16px;border-bottom:1px solid var(--line);background:#fafbfc}
.filters fieldset{border:none;margin:0;padding:0;display:flex;gap:6px;flex-wrap:wrap;align-items:center}
.filters legend{float:left;font-size:12px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);font-weight:600;margin-right:4px}
.chk{display:inline-flex;align-items:center;gap:4px;border:1px solid var(--line);border-radius:14px;padding:2px 10px 2px 6px;background:#fff;font-size:13px;cursor:pointer;user-select:none}
.chk .n{color:var(--muted);font-size:12px}
.chk:has(input:checked){border-color:#98a2b3;background:#f2f4f7}
.filters input[type=search]{font:inherit;font-size:14px;padding:5px 10px;border:1px solid #d0d5dd;border-radius:8px;min-width:260px}
.shown{margin-left:auto;color:var(--muted);font-size:13px}
table.findings td{padding:10px}
table.findings th:nth-child(1){width:104px}
table.findings th:nth-child(2){width:250px}
table.findings th:nth-child(3){width:215px}
td.result .st,td.result .sev{display:block;width:fit-content;margin:0 0 5px}
a.target-link{color:var(--ink);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13.5px;text-decoration:none}
a.target-link:hover{text-decoration:underline}
td.rule a{font-weight:600;color:#1849a9;text-decoration:none;word-break:break-word}
td.rule a:hover{text-decoration:underline}
.label{display:inline-block;font-size:11.5px;padding:0 6px;border-radius:6px;background:#eef2f7;color:#344054;margin-right:4px}
td.target{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}
table.one-target th:nth-child(3),table.one-target td.target,table.single th:nth-child(3),table.single td.target{display:none}
td.detail p{margin:0 0 4px}
.msg{font-weight:500}
.where,.note{color:var(--muted);font-size:13px}
.note{color:var(--acc)}
.fix{font-size:13.5px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;background:#f2f4f7;padding:0 4px;border-radius:4px;word-break:break-word}
details summary{cursor:pointer;color:#1849a9;font-size:13px}
details ul{margin:4px 0;padding-left:18px;font-size:13px}
.muted{color:var(--muted)}
#none{padding:24px;text-align:center;color:var(--muted)}
footer{color:var(--muted);font-size:12.5px;margin-top:24px}
.panel{overflow-x:auto}
@media (max-width:760px){
header.top{padding:16px}
main{padding:16px 12px 32px}
.panel{padding:4px 12px 14px}
.filters input[type=search]{min-width:0;width:100%}
table.findings thead{display:none}
table.findings,table.findings tbody,table.findings tr,table.findings td{display:block;width:auto}
table.findings tr{border-bottom:1px solid var(--line);padding:6px 0}
table.findings td{border:none;padding:3px 12px}
td.result .st,td.result .sev{display:inline-block;margin:0 6px 0 0}
}
`;

// Static: it reads the data-* attributes that the reporter wrote; no data is interpolated into it.
const SCRIPT = `
(function(){
var d=document;d.documentElement.classList.add('js');
var filters=d.getElementById('filters');filters.hidden=false;
var nav=d.querySelector('.tabs');if(nav)nav.hidden=false;
var rows=[].slice.call(d.querySelectorAll('tr.finding'));
var boxes=[].slice.call(filters.querySelectorAll('input[type=checkbox]'));
var search=d.getElementById('search'),label=d.getElementById('label');
var table=d.querySelector('table.findings'),scope=d.getElementById('findings-scope');
var tabs=[].slice.call(d.querySelectorAll('.tabs button'));
var panels=[].slice.call(d.querySelectorAll('.panel'));
var tab='all';
function checked(name){var s={};boxes.forEach(function(b){if(b.name===name&&b.checked)s[b.value]=1;});return s;}
function apply(){
  var st=checked('status'),sev=checked('severity'),acc=checked('accepted').yes,q=search.value.trim().toLowerCase(),lab=label?label.value:'',n=0;
  rows.forEach(function(r){
    var x=r.dataset,ok=(tab==='all'||x.target===tab)&&st[x.status]&&(x.status!=='fail'||sev[x.severity])&&(acc||!x.accepted)&&(!lab||(x.labels||'').indexOf(' '+lab+' ')>=0)&&(!q||r.textContent.toLowerCase().indexOf(q)>=0);
    r.hidden=!ok;if(ok)n++;
  });
  d.getElementById('shown-count').textContent=n;
  d.getElementById('none').hidden=n>0;
}
function select(id){
  tab=id;
  tabs.forEach(function(b){b.setAttribute('aria-selected',b.dataset.tab===id?'true':'false');});
  panels.forEach(function(p){p.classList.toggle('active',p.dataset.panel===id);});
  table.classList.toggle('one-target',id!=='all');
  scope.textContent=id==='all'?'':(': '+d.querySelector('.tabs button[data-tab="'+id+'"]').firstChild.textContent);
  apply();
}
tabs.forEach(function(b){b.addEventListener('click',function(){select(b.dataset.tab);});});
[].slice.call(d.querySelectorAll('a[data-tab]')).forEach(function(a){a.addEventListener('click',function(e){e.preventDefault();select(a.dataset.tab);});});
boxes.forEach(function(b){b.addEventListener('change',apply);});
search.addEventListener('input',apply);if(label)label.addEventListener('change',apply);
select('all');
})();
`;

/**
 * One self-contained HTML page for people: summary cards, per-section and per-target tallies, tabs per
 * target and a filterable list of every result with its evidence and fix. Inline CSS and script only;
 * its Content-Security-Policy forbids every fetch. Readable without JavaScript (all panels and rows
 * shown); the script adds the tabs and filters.
 */
export const htmlReporter: Reporter = (report, context) => {
  const byId = rulesById(context.rules);
  const ruleOrder = new Map(context.rules.map((r, i) => [r.id, i]));
  const s = report.summary;
  const multi = report.targets.length > 1;

  const total = newTally();
  const perTarget = report.targets.map((t) => {
    const tally = newTally();
    if (t.error === undefined) for (const r of t.results) add(tally, r);
    for (const r of t.error === undefined ? t.results : []) add(total, r);
    return tally;
  });
  const active = SEVERITIES.reduce((n, sev) => n + total.fail[sev], 0);

  const rows: Row[] = [];
  const errorRows: string[] = [];
  report.targets.forEach((target, index) => {
    if (target.error !== undefined) errorRows.push(targetErrorRow(index, target));
    else for (const result of target.results) rows.push({ index, target, result });
  });
  const statusCount = (st: Status) => rows.filter((r) => r.result.status === st).length + (st === 'error' ? errorRows.length : 0);
  const sevCount = (sev: Severity) => rows.filter((r) => r.result.status === 'fail' && r.result.severity === sev).length;
  const acceptedCount = rows.filter((r) => triage(r.result) === 'suppressed' || triage(r.result) === 'baselined').length;

  const cards = [
    `<div class="card ${active > 0 ? 'fail' : 'ok'}" id="card-active"><div class="v" data-count="active">${active}</div><div class="k">failures that count</div><div class="sevs">${SEVERITIES.map(
      (sev) => `<span class="pill sev-${sev}" data-count="${sev}">${total.fail[sev]} ${sev}</span>`,
    ).join('')}</div></div>`,
    `<div class="card"><div class="v" data-count="targets">${s.targets}</div><div class="k">target${s.targets === 1 ? '' : 's'}${s.targetErrors ? `, ${s.targetErrors} not audited` : ''}</div></div>`,
    `<div class="card"><div class="v" data-count="pass">${s.pass}</div><div class="k">passed</div></div>`,
    `<div class="card"><div class="v" data-count="skip">${s.skip}</div><div class="k">skipped</div>${s.disabled ? `<div class="k small" data-count="disabled">${s.disabled} turned off${text(turnedOffIn(report))}</div>` : ''}</div>`,
    `<div class="card"><div class="v" data-count="manual">${s.manual}</div><div class="k">to check by hand</div></div>`,
    ...(s.suppressed || s.baselined
      ? [`<div class="card"><div class="v" data-count="accepted">${s.suppressed + s.baselined}</div><div class="k">accepted failures</div><div class="k small">${s.suppressed} suppressed · ${s.baselined} in the baseline</div></div>`]
      : []),
  ];

  const warnings =
    report.warnings && report.warnings.length > 0
      ? `<div class="warn" id="warnings"><strong>Settings need attention</strong><ul>${report.warnings.map((w) => `<li>${text(w.message)}</li>`).join('')}</ul></div>`
      : '';
  // Each target's warnings (what the config reader warned of: a file not read whole is no clean read, QA41-113).
  const targetWarnings = report.targets
    .filter((t) => (t.warnings?.length ?? 0) > 0)
    .map((t) => `<div class="warn target-warnings"><strong>${text(t.target)}: read with warnings</strong><ul>${t.warnings!.map((w) => `<li>${text(w)}</li>`).join('')}</ul></div>`)
    .join('\n');

  const tabBadge = (t: TargetResult, tally: Tally) => {
    if (t.error !== undefined) return '<span class="n down">!</span>';
    const n = SEVERITIES.reduce((m, sev) => m + tally.fail[sev], 0);
    return `<span class="n${n === 0 ? ' zero' : ''}">${n}</span>`;
  };
  const tabs = multi
    ? `<nav class="tabs" role="tablist" hidden>${[
        `<button type="button" role="tab" data-tab="all">All targets<span class="n${active === 0 ? ' zero' : ''}">${active}</span></button>`,
        ...report.targets.map((t, i) => `<button type="button" role="tab" data-tab="t${i}">${text(t.target)}${tabBadge(t, perTarget[i]!)}</button>`),
      ].join('')}</nav>`
    : '';
  const panels = [
    `<section class="panel" data-panel="all"><h2>${multi ? 'All targets' : text(report.targets[0]?.target ?? 'No target')}</h2>${
      multi ? `${targetsTable(report.targets)}<h3>By checklist section</h3>` : `<p class="server">${report.targets[0] ? serverLine(report.targets[0]) : ''}</p>`
    }${sectionTable(report.targets, byId)}</section>`,
    ...(multi
      ? report.targets.map(
          (t, i) =>
            `<section class="panel" data-panel="t${i}" id="target-${i}"><h2>${text(t.target)}</h2><p class="server">${serverLine(t)}</p>${sectionTable([t], byId)}</section>`,
        )
      : []),
  ];

  const statusBoxes = STATUSES.map((st) => checkbox('status', st, st, statusCount(st), st === 'fail' || st === 'error' || st === 'manual')).join('');
  const severityBoxes = SEVERITIES.map((sev) => checkbox('severity', sev, sev, sevCount(sev), true)).join('');
  const filters = `<div class="filters" id="filters" hidden>
<fieldset><legend>Status</legend>${statusBoxes}</fieldset>
<fieldset><legend>Severity</legend>${severityBoxes}</fieldset>
<fieldset><legend>Accepted</legend>${checkbox('accepted', 'yes', 'suppressed / baseline', acceptedCount, true)}</fieldset>
${labelFilter(report.targets)}<input type="search" id="search" placeholder="Search rule, target, message…" aria-label="Search findings">
<span class="shown"><span id="shown-count">${rows.length + errorRows.length}</span> of ${rows.length + errorRows.length} shown</span>
</div>`;

  const body = [...errorRows, ...sortRows(rows, ruleOrder).map((r) => findingRow(r, byId, context))].join('\n');
  const title = `redfort report: ${active} failure${active === 1 ? '' : 's'} on ${s.targets} target${s.targets === 1 ? '' : 's'}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="generator" content="${attr(`${report.tool.name} ${report.tool.version}`)}">
<title>${text(title)}</title>
<style>${CSS}</style>
</head>
<body${multi ? ' class="multi"' : ''}>
<header class="top"><h1>redfort security audit</h1><p class="meta">${text(`${report.tool.name} ${report.tool.version}`)} · ${s.targets} target${s.targets === 1 ? '' : 's'} · checklist: Redis production security</p></header>
<main>
<div class="cards">${cards.join('')}</div>
${warnings}
${targetWarnings}
${tabs}
${panels.join('\n')}
<h2>Findings<span id="findings-scope"></span></h2>
<div class="findings-box">
${filters}
<table class="findings${multi ? '' : ' single'}"><thead><tr><th>Result</th><th>Rule</th><th>Target</th><th>Finding</th></tr></thead>
<tbody>
${body}
</tbody></table>
<p id="none" hidden>No result matches the filters.</p>
</div>
<footer>Rule documentation links open the rule's page in redfort's repository. This file makes no network request.</footer>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
};
