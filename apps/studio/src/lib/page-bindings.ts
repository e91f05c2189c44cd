import { describeType, type ValueType } from '@tillflow/flow-model';
import { type BindingGroup, type BindingPickerWords, typeWords } from './flow-editor/bindings';
import { fieldWords } from './flow-words';

/** The names a page binding may start with (page-model's scope): what the picker's chips recognise on a page. */
export const PAGE_BINDING_ROOTS = ['page', 'user', 'item', 'form', 'saved', 'results', 'error'] as const;

/** What the binding picker says on the page editor (the canvas speaks of Stripe's message and earlier steps). */
export const PAGE_PICKER_WORDS: BindingPickerWords = {
  offers: 'Use a value from the page: its address, the signed-in shopper, the row, the form or an earlier action',
  search: 'Search what this page gives…',
  none: 'Nothing on this page matches.',
  roots: PAGE_BINDING_ROOTS,
};

const GROUP_TITLES: Record<string, string> = {
  page: 'This page',
  user: 'The signed-in shopper',
  item: 'This row',
  form: 'The form',
  saved: 'The saved row',
  error: 'What went wrong',
};

function label(path: string): string {
  const [root, ...rest] = path.split('.');
  if (root === 'page' && rest[0] === 'params') return `address parameter ${rest.slice(1).join('.')}`;
  if (root === 'page' && rest[0] === 'path') return 'page address';
  if (root === 'results') return fieldWords(rest.slice(1).join('.')) || 'all it gave back';
  return fieldWords(rest.join('.'));
}

/**
 * The binding picker's listing for a field of a page (the canvas's picker, `BindingInput`, shows it): every field
 * `names` holds (page-model's `blockScope` / `chainScope`), grouped by where it comes from, optionally filtered.
 */
export function pageBindingGroups(names: Record<string, ValueType>, filter = ''): BindingGroup[] {
  const needle = filter.trim().toLowerCase();
  const groups = new Map<string, BindingGroup>();
  const add = (key: string, title: string, path: string, type: ValueType) => {
    const option = { name: path, path, type: describeType(type), label: label(path), sample: typeWords(type) };
    if (needle && !path.toLowerCase().includes(needle) && !option.label.includes(needle)) return;
    const group = groups.get(key) ?? { title, options: [] };
    group.options.push(option);
    groups.set(key, group);
  };
  const walk = (key: string, title: string, path: string, type: ValueType, depth: number) => {
    if (type.kind === 'object' && depth < 3) {
      for (const [k, v] of Object.entries(type.fields)) walk(key, title, `${path}.${k}`, v, depth + 1);
      return;
    }
    if (depth > 0) add(key, title, path, type);
  };
  for (const [root, type] of Object.entries(names)) {
    if (root === 'results' && type.kind === 'object') {
      for (const [step, out] of Object.entries(type.fields))
        walk(`results.${step}`, `What “${step}” gave back`, `results.${step}`, out, 1);
      continue;
    }
    walk(root, GROUP_TITLES[root] ?? root, root, type, 0);
  }
  return [...groups.values()];
}
