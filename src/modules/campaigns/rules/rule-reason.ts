/**
 * A fired rule's reason: the conditions that decided it, with the facts' values, e.g.
 * `score 0.62 >= 0.5 and job in [management, admin.]`. Each condition's text is compiled
 * once into fixed pieces and the few values to read, as reasons are built for every fired
 * rule of every customer.
 */
import { Facts } from './rule-types';

const SHOWN_ITEMS = 5;

export function showValue(value: unknown): string {
  if (typeof value === 'number') {
    return String(value);
  }
  if (value === undefined) {
    return '(missing)';
  }
  if (typeof value === 'string') {
    return value === '' ? '""' : value;
  }
  if (Array.isArray(value)) {
    const shown = value.slice(0, SHOWN_ITEMS).map(showValue).join(', ');
    const more = value.length > SHOWN_ITEMS ? `, … ${value.length - SHOWN_ITEMS} more` : '';

    return `[${shown}${more}]`;
  }
  if (value !== null && typeof value === 'object') {
    return showObject(value);
  }

  return String(value);
}

function showObject(value: object): string {
  try {
    const text = JSON.stringify(value) ?? String(value);

    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    // Cycles and BigInts do not serialise; the reason is informative only.
    return '[object]';
  }
}

/** `days_since_last_action` with `$.email` reads as `days_since_last_action.email`. */
export function factLabel(fact: string, path: string | undefined): string {
  return path ? `${fact}${path.slice(1)}` : fact;
}

/** Fixed text, or a value read from the facts and shown. */
export type ReasonPart = string | ((facts: Facts) => unknown);

/** The text of one condition for one outcome; `parts` when the text's shape is fixed. */
export interface Explainer {
  readonly parts?: readonly ReasonPart[];
  readonly text: (facts: Facts) => string;
}

export function fixedExplainer(parts: readonly ReasonPart[]): Explainer {
  return { parts, text: template(parts) };
}

/** The explainers one after another, e.g. the conditions of an `all` joined by ` and `. */
export function joinExplainers(explainers: readonly Explainer[], separator: string): Explainer {
  if (explainers.every((explainer) => explainer.parts)) {
    const parts = explainers.flatMap((explainer, i) =>
      i === 0 ? [...(explainer.parts ?? [])] : [separator, ...(explainer.parts ?? [])],
    );

    return fixedExplainer(parts);
  }

  return {
    text: (facts) => {
      let text = explainers[0].text(facts);
      for (let i = 1; i < explainers.length; i++) {
        text = text + separator + explainers[i].text(facts);
      }

      return text;
    },
  };
}

export function negatedExplainer(explainer: Explainer): Explainer {
  if (explainer.parts) {
    return fixedExplainer(['not (', ...explainer.parts, ')']);
  }

  return { text: (facts) => 'not (' + explainer.text(facts) + ')' };
}

/** Adjacent fixed pieces merged, so that building a reason takes few concatenations. */
function template(parts: readonly ReasonPart[]): (facts: Facts) => string {
  const fixed: string[] = [];
  const values: ((facts: Facts) => unknown)[] = [];
  let pending = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      pending += part;
    } else {
      fixed.push(pending);
      values.push(part);
      pending = '';
    }
  }
  fixed.push(pending);

  if (values.length === 0) {
    const whole = fixed[0];

    return () => whole;
  }
  if (values.length === 1) {
    const [before, after] = fixed;
    const value = values[0];

    return (facts) => before + showValue(value(facts)) + after;
  }

  return (facts) => {
    let text = fixed[0];
    for (let i = 0; i < values.length; i++) {
      text = text + showValue(values[i](facts)) + fixed[i + 1];
    }

    return text;
  };
}
