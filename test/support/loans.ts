/**
 * The loan most end-to-end tests register: 3,000.00 yuan over three months at 12 % a year,
 * disbursed on 15 January, with installments of 1,000.00 principal (+ 30.00 / 20.00 / 10.00
 * interest) due on the 15th of February, March and April. Unpaid, it is one day past due on
 * 16 February.
 */
export function cashLoan3m(loanId: string, customerId: string, year = 2025) {
  return {
    loanId,
    customerId,
    productCode: 'CASH-3M',
    principal: 300_000,
    annualRateBps: 1200,
    termMonths: 3,
    disbursementDate: `${year}-01-15`,
    timeZone: 'Asia/Shanghai',
    schedule: [
      { seq: 1, dueDate: `${year}-02-15`, principal: 100_000, interest: 3_000 },
      { seq: 2, dueDate: `${year}-03-15`, principal: 100_000, interest: 2_000 },
      { seq: 3, dueDate: `${year}-04-15`, principal: 100_000, interest: 1_000 },
    ],
  };
}
