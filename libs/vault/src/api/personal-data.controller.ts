import { Body, Controller, Delete, Get, HttpCode, Logger, Param, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DocBody, DocQuery, ProblemException, Roles, ZodPipe, fields, problem, type Principal } from '#platform';
import { CustomerErasedError, CustomerNotFoundError, PersonalDataVault } from '../application/vault.js';
import { CLEAR_READERS, PURPOSES, maskPersonalData, type PersonalData } from '../domain/masking.js';
import { ClearReadScope } from '../read-model/case-assignments.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const PersonalDataBody = z.strictObject({
  fullName: text(100),
  phones: z.array(z.string().regex(/^\+?[0-9 -]{5,20}$/, 'digits, spaces, dashes, optional leading +')).max(10),
  emails: z.array(z.email()).max(10),
  addresses: z.array(text(300)).max(10),
  idNumber: z.string().regex(/^[0-9A-Za-z]{6,30}$/, '6-30 letters or digits'),
  thirdPartyContacts: z
    .array(z.strictObject({ contactId: fields.id, relation: text(40), fullName: text(100), phone: z.string().regex(/^\+?[0-9 -]{5,20}$/) }))
    .max(20),
});
const ReadQuery = z.strictObject({ purpose: z.enum(PURPOSES).optional() });
const EraseBody = z.strictObject({ reason: text(500) });

type Req = FastifyRequest & { user: Principal };

@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers/:customerId/personal-data')
export class PersonalDataController {
  private readonly logger = new Logger('vault');

  constructor(
    private readonly vault: PersonalDataVault,
    private readonly scope: ClearReadScope,
  ) {}

  @Put()
  @Roles('service', 'admin')
  @HttpCode(204)
  @DocBody(PersonalDataBody)
  @ApiOperation({ summary: "Store or replace a customer's personal data (encrypted under the customer's own key)" })
  async put(
    @Param('customerId', new ZodPipe(fields.id, 'params')) customerId: string,
    @Body(new ZodPipe(PersonalDataBody)) body: PersonalData,
    @Req() req: Req,
  ) {
    try {
      await this.vault.put(customerId, body, req.user);
    } catch (err) {
      throw this.problemOf(err, customerId);
    }
  }

  @Get()
  @Roles('collector', 'supervisor', 'risk_manager', 'auditor', 'service', 'admin')
  @DocQuery(ReadQuery)
  @ApiOperation({
    summary:
      'Masked by default; clear values (with a purpose) for roles that need them and, for collectors and supervisors, only for customers with an open case of theirs (403 CLEAR_READ_OUT_OF_SCOPE); every clear read recorded',
  })
  async get(
    @Param('customerId', new ZodPipe(fields.id, 'params')) customerId: string,
    @Query(new ZodPipe(ReadQuery, 'query')) query: z.infer<typeof ReadQuery>,
    @Req() req: Req,
  ) {
    const clear = query.purpose !== undefined;
    if (clear && !(CLEAR_READERS as readonly string[]).includes(req.user.role)) {
      throw new ProblemException(problem(403, 'CLEAR_READ_FORBIDDEN', 'Clear read forbidden', `Role ${req.user.role} sees personal data masked only.`));
    }
    if (clear && !(await this.scope.allows(req.user, customerId))) {
      this.logger.warn({
        msg: 'clear read out of scope refused',
        actor: req.user.id,
        role: req.user.role,
        team: req.user.team,
        customerId,
        purpose: query.purpose,
      });
      const whose = req.user.role === 'supervisor' ? 'your team' : 'you';
      throw new ProblemException(
        problem(
          403,
          'CLEAR_READ_OUT_OF_SCOPE',
          'Clear read out of scope',
          `${customerId} has no open collection case assigned to ${whose}; personal data is shown masked only.`,
        ),
      );
    }
    try {
      const data = await this.vault.get(customerId, { actor: req.user, clear, purpose: query.purpose });
      return { customerId, masked: !clear, data: clear ? data : maskPersonalData(data) };
    } catch (err) {
      throw this.problemOf(err, customerId);
    }
  }

  @Delete()
  @Roles('admin')
  @HttpCode(200)
  @DocBody(EraseBody)
  @ApiOperation({ summary: "Erase a customer: destroys the customer's key and record (events keep only the id)" })
  async erase(
    @Param('customerId', new ZodPipe(fields.id, 'params')) customerId: string,
    @Body(new ZodPipe(EraseBody)) body: z.infer<typeof EraseBody>,
    @Req() req: Req,
  ) {
    return { customerId, erased: await this.vault.erase(customerId, req.user, body.reason) };
  }

  @Get('access-log')
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: "Who read this customer's clear personal data, when and why" })
  async accessLog(@Param('customerId', new ZodPipe(fields.id, 'params')) customerId: string) {
    return { customerId, items: await this.vault.accessLog(customerId) };
  }

  private problemOf(err: unknown, customerId: string): unknown {
    if (err instanceof CustomerErasedError)
      return new ProblemException(problem(410, 'CUSTOMER_ERASED', 'Customer erased', `The personal data of ${customerId} was erased.`));
    if (err instanceof CustomerNotFoundError)
      return new ProblemException(problem(404, 'PERSONAL_DATA_NOT_FOUND', 'Personal data not found', `No personal data for ${customerId}.`));
    return err;
  }
}
