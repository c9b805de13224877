/**
 * Personal data of a customer, as the vault keeps it. It never enters an event: events carry the
 * customer id, and everything below lives only in the vault, encrypted under the customer's key.
 */
export interface PersonalData {
  readonly fullName: string;
  readonly phones: readonly string[];
  readonly emails: readonly string[];
  readonly addresses: readonly string[];
  readonly idNumber: string;
  readonly thirdPartyContacts: readonly ThirdPartyContact[];
}

export interface ThirdPartyContact {
  /** Stable id, referenced from collection events instead of the contact's details. */
  readonly contactId: string;
  readonly relation: string;
  readonly fullName: string;
  readonly phone: string;
}

function keepEnds(value: string, head: number, tail: number): string {
  const chars = [...value];
  if (chars.length <= head + tail) return '*'.repeat(chars.length);
  return chars.slice(0, head).join('') + '*'.repeat(chars.length - head - tail) + chars.slice(chars.length - tail).join('');
}

/** 13812341234 → 138****1234 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\s+/g, '');
  return digits.length >= 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : '*'.repeat(digits.length);
}

/** ID numbers keep their first and last four characters. */
export function maskIdNumber(id: string): string {
  return keepEnds(id, 4, 4);
}

/** 张三丰 → 张** ; the first character only. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  return chars.length ? chars[0] + '*'.repeat(Math.max(1, chars.length - 1)) : '';
}

/** li.ming@example.com → l***@example.com */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** Keeps the first six characters (province and city), hides the rest. */
export function maskAddress(address: string): string {
  const chars = [...address];
  return chars.length <= 6 ? '*'.repeat(chars.length) : `${chars.slice(0, 6).join('')}***`;
}

export function maskPersonalData(data: PersonalData): PersonalData {
  return {
    fullName: maskName(data.fullName),
    phones: data.phones.map(maskPhone),
    emails: data.emails.map(maskEmail),
    addresses: data.addresses.map(maskAddress),
    idNumber: maskIdNumber(data.idNumber),
    thirdPartyContacts: data.thirdPartyContacts.map((c) => ({
      contactId: c.contactId,
      relation: c.relation,
      fullName: maskName(c.fullName),
      phone: maskPhone(c.phone),
    })),
  };
}

/** Why a caller needs clear values; each clear read is recorded with it. */
export const PURPOSES = ['CONTACT_DEBTOR', 'CONTACT_THIRD_PARTY', 'FIELD_VISIT', 'DISPUTE_HANDLING', 'LEGAL', 'DATA_SUBJECT_REQUEST'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Which roles may read clear values at all (with a purpose); every other role sees masks. */
export const CLEAR_READERS = ['collector', 'supervisor', 'service', 'admin'] as const;
