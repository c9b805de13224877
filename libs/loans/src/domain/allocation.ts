import { compareDates, type BusinessDate, type Fen } from '#kernel';
import type { Component, Waterfall } from './product.js';

/** What is still owed on one installment when a payment arrives. */
export interface Receivable {
  readonly seq: number;
  readonly dueDate: BusinessDate;
  readonly penalty: Fen;
  readonly interest: Fen;
  readonly principal: Fen;
}

/** The part of a payment applied to one component of one installment. */
export interface Allocation {
  readonly seq: number;
  readonly component: Component;
  readonly amount: Fen;
}

export interface AllocationResult {
  readonly allocations: readonly Allocation[];
  /** What is left once everything owed, due or not, is paid (an overpayment). */
  readonly unapplied: Fen;
}

/**
 * The payment waterfall, pure. Installments due on or before the value date are served first, in
 * the product's component order and sweep (oldest installment first); whatever is left prepays the
 * installments not yet due, next one first, component by component in the same order. Anything
 * beyond that is unapplied.
 */
export function allocatePayment(amount: Fen, receivables: readonly Receivable[], valueDate: BusinessDate, waterfall: Waterfall): AllocationResult {
  const sorted = [...receivables].sort((a, b) => compareDates(a.dueDate, b.dueDate) || a.seq - b.seq);
  const due = sorted.filter((r) => compareDates(r.dueDate, valueDate) <= 0);
  const notYetDue = sorted.filter((r) => compareDates(r.dueDate, valueDate) > 0);

  const slots: Array<{ seq: number; component: Component; owed: Fen }> = [];
  const slot = (r: Receivable, component: Component) => slots.push({ seq: r.seq, component, owed: r[component] });
  if (waterfall.sweep === 'installment') {
    for (const r of due) for (const c of waterfall.order) slot(r, c);
  } else {
    for (const c of waterfall.order) for (const r of due) slot(r, c);
  }
  for (const r of notYetDue) for (const c of waterfall.order) slot(r, c);

  const allocations: Allocation[] = [];
  let left = amount;
  for (const s of slots) {
    if (left === 0) break;
    const take = s.owed < left ? s.owed : left;
    if (take <= 0) continue;
    allocations.push({ seq: s.seq, component: s.component, amount: take });
    left -= take;
  }
  return { allocations, unapplied: left };
}
