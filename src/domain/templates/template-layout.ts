/**
 * The layout of an approved template, as the operator declares it (parameter counts and
 * buttons), and the check that a mapping fits it. Meta answers a send whose parameters do
 * not match the template with error 132000, per message and only after the event; checking
 * when a mapping is saved turns that into one clear refusal for the operator.
 */
import { isTemplatePath } from './template-context.js';
import type { LayoutButton, TemplateLayout, TemplateMapping, TemplateParam } from './template-mapping.js';
import { placeholderPaths } from './template-text.js';

export { LayoutButton, TemplateLayout } from './template-mapping.js';

/** One reason a mapping does not fit; `path` is a JSON pointer into the mapping, e.g. `/body/2`. */
export interface MappingIssue {
  path: string;
  message: string;
}

/** Only dynamic URL buttons and quick replies take a parameter at send time. */
function takesParam(button: LayoutButton): boolean {
  return button.type === 'quick_reply' || button.dynamic;
}

function describe(button: LayoutButton): string {
  if (button.type === 'quick_reply') return 'a quick reply';
  return button.dynamic ? 'a URL button with a dynamic suffix' : 'a URL button with a fixed URL';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function countIssue(part: 'body' | 'header', expected: number, given: number): MappingIssue[] {
  if (expected === given) return [];
  const placeholders = expected === 0 ? 'none' : expected === 1 ? '{{1}}' : `{{1}}..{{${expected}}}`;
  return [
    {
      path: `/${part}`,
      message: `the template's ${part} has ${plural(expected, 'parameter')} (${placeholders}) but the mapping gives ${given}`,
    },
  ];
}

const PATH_HINT = 'see the documented template paths';

/** Every path a parameter names must exist in the template context, placeholders included. */
function paramPathIssues(param: TemplateParam, path: string): MappingIssue[] {
  if (typeof param === 'string') {
    const p = param.trim();
    if (isTemplatePath(p)) return [];
    // A common slip is to write fixed text, or "{{path}}", where a bare path is expected.
    const hint = /\{\{|\s/.test(p) ? '; for text with placeholders use {"value": "…"}' : `; ${PATH_HINT}`;
    return [{ path, message: `"${p}" is not a template path${hint}` }];
  }
  const issues: MappingIssue[] = [];
  for (const [key, literal] of [
    ['value', param.value],
    ['fallback', param.fallback],
  ] as const) {
    if (literal === undefined) continue;
    for (const p of placeholderPaths(literal)) {
      if (!isTemplatePath(p)) issues.push({ path: `${path}/${key}`, message: `placeholder {{${p}}} is not a template path; ${PATH_HINT}` });
    }
  }
  return issues;
}

function buttonIssues(mapping: TemplateMapping, layout: TemplateLayout): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const declared = new Map<number, LayoutButton>();
  for (const [i, button] of (layout.buttons ?? []).entries()) {
    if (declared.has(button.index)) {
      issues.push({ path: `/layout/buttons/${i}/index`, message: `the layout declares button ${button.index} twice` });
    }
    declared.set(button.index, button);
  }

  const mapped = new Set<number>();
  for (const [i, button] of (mapping.buttons ?? []).entries()) {
    const at = `/buttons/${i}`;
    const target = declared.get(button.index);
    if (mapped.has(button.index)) {
      issues.push({ path: `${at}/index`, message: `button ${button.index} is mapped more than once; it takes exactly one parameter` });
      continue;
    }
    mapped.add(button.index);
    if (target === undefined) {
      issues.push({ path: `${at}/index`, message: `the template has no button at index ${button.index}` });
    } else if (target.type !== button.type) {
      issues.push({ path: `${at}/type`, message: `button ${button.index} is ${describe(target)}, not ${button.type}` });
    } else if (!takesParam(target)) {
      issues.push({ path: at, message: `button ${button.index} is ${describe(target)}: it takes no parameter, remove it from the mapping` });
    } else {
      issues.push(...paramPathIssues(button.param, `${at}/param`));
    }
  }

  for (const button of declared.values()) {
    if (takesParam(button) && !mapped.has(button.index)) {
      const what = button.type === 'url' ? 'its URL suffix' : 'its payload';
      issues.push({ path: '/buttons', message: `button ${button.index} is ${describe(button)} and needs a parameter for ${what}` });
    }
  }
  return issues;
}

/** Everything that would make Meta refuse a send of this mapping to a template of this layout; [] when it fits. */
export function checkMappingAgainstLayout(mapping: TemplateMapping, layout: TemplateLayout): MappingIssue[] {
  const header = mapping.header ?? [];
  return [
    ...countIssue('header', layout.headerParams ?? 0, header.length),
    ...header.flatMap((p, i) => paramPathIssues(p, `/header/${i}`)),
    ...countIssue('body', layout.bodyParams, mapping.body.length),
    ...mapping.body.flatMap((p, i) => paramPathIssues(p, `/body/${i}`)),
    ...buttonIssues(mapping, layout),
  ];
}
