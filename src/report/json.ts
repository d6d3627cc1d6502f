import type { Reporter } from './types.ts';

/** The machine contract: see docs/json-report.md. Stable field names; additions only. */
export const jsonReporter: Reporter = (report) =>
  `${JSON.stringify(
    {
      tool: report.tool,
      targets: report.targets.map((t) => ({
        target: t.target,
        ...(t.error !== undefined ? { error: t.error } : {}),
        ...(t.server ? { server: t.server } : {}),
        results: t.results,
      })),
      summary: report.summary,
    },
    null,
    2,
  )}\n`;
