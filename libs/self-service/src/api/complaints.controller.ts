import { applyDecorators, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { DocBody, DocQuery, Meta, ProblemException, Roles, ValidBody, ValidQuery, ZodPipe, fields, problem, type RequestMeta } from '#platform';
import { ComplaintsService } from '../application/complaints.service.js';
import { ComplaintListQuery, EmptyBody, ExtensionBody, ResolveBody, StaffComplaintBody } from './schemas.js';

const id = new ZodPipe(fields.id, 'params');
const HANDLERS = ['supervisor', 'risk_manager', 'admin'] as const;
const READERS = ['supervisor', 'risk_manager', 'auditor', 'admin'] as const;

/** A step in handling a complaint: taken by a handler, with its validated body documented. */
const HandledWith = (body: z.ZodType) => applyDecorators(Roles(...HANDLERS), DocBody(body));

/**
 * The complaints register for staff. A collector or supervisor raises a complaint for a customer
 * of their case scope (after a call or visit), or anyone handling complaints records a regulator's
 * referral; supervisors, risk managers and admins acknowledge, investigate (the investigator is
 * the caller, and must be outside the team of the cases concerned) and resolve (the investigator
 * only). Complaints are read outside case scope: their handlers are independent of the collection.
 */
@ApiTags('complaints')
@ApiBearerAuth()
@Controller('complaints')
export class ComplaintsController {
  constructor(private readonly complaints: ComplaintsService) {}

  @Post()
  @Roles('collector', 'supervisor', 'risk_manager', 'admin')
  @HttpCode(201)
  @DocBody(StaffComplaintBody)
  @ApiOperation({
    summary: 'Raise a complaint or dispute for a customer (after a call, or a regulator’s referral); the cases it concerns go on hold until it is resolved',
  })
  raise(@ValidBody(StaffComplaintBody) body: z.infer<typeof StaffComplaintBody>, @Meta() meta: RequestMeta) {
    return this.complaints.raise(body, meta);
  }

  @Get()
  @Roles(...READERS)
  @DocQuery(ComplaintListQuery)
  @ApiOperation({ summary: 'Complaints and disputes by status, kind, customer and escalation, nearest resolution deadline first' })
  list(@ValidQuery(ComplaintListQuery) q: z.infer<typeof ComplaintListQuery>) {
    return this.complaints.queries.complaints({ ...q, escalated: q.escalated === undefined ? undefined : q.escalated === 'true' });
  }

  @Get('stats')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Complaint counts: open, escalated, resolved by outcome, upheld rate, resolved late, mean days to resolve' })
  stats() {
    return this.complaints.queries.stats();
  }

  @Get(':complaintId')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One complaint: who raised it, its cases, deadlines, investigator, outcome, remedies and escalations' })
  async get(@Param('complaintId', id) complaintId: string) {
    const view = await this.complaints.queries.complaint(complaintId);
    if (!view) throw new ProblemException(problem(404, 'COMPLAINT_NOT_FOUND', 'Complaint not found', `No complaint ${complaintId}.`));
    return view;
  }

  @Post(':complaintId/acknowledgement')
  @HttpCode(202)
  @HandledWith(EmptyBody)
  @ApiOperation({ summary: 'Acknowledge a complaint to the customer (by its acknowledgement deadline)' })
  acknowledge(@Param('complaintId', id) complaintId: string, @ValidBody(EmptyBody) _body: object, @Meta() meta: RequestMeta) {
    return this.complaints.acknowledge(complaintId, meta);
  }

  @Post(':complaintId/investigation')
  @HttpCode(202)
  @HandledWith(EmptyBody)
  @ApiOperation({ summary: 'Take the investigation of a complaint (INVESTIGATOR_NOT_INDEPENDENT when the caller’s team works the cases it concerns)' })
  investigate(@Param('complaintId', id) complaintId: string, @ValidBody(EmptyBody) _body: object, @Meta() meta: RequestMeta) {
    return this.complaints.investigate(complaintId, meta);
  }

  @Post(':complaintId/deadline-extension')
  @HttpCode(202)
  @HandledWith(ExtensionBody)
  @ApiOperation({
    summary:
      'Extend the resolution deadline of a complaint under investigation, once, by up to COMPLAINT_EXTENSION_MAX_DAYS business days with the reason (the investigator only, before the deadline passes)',
  })
  extend(@Param('complaintId', id) complaintId: string, @ValidBody(ExtensionBody) body: z.infer<typeof ExtensionBody>, @Meta() meta: RequestMeta) {
    return this.complaints.extend(complaintId, body, meta);
  }

  @Post(':complaintId/resolution')
  @HttpCode(202)
  @HandledWith(ResolveBody)
  @ApiOperation({ summary: 'Resolve a complaint with its outcome and remedies (the investigator only); its cases resume' })
  resolve(@Param('complaintId', id) complaintId: string, @ValidBody(ResolveBody) body: z.infer<typeof ResolveBody>, @Meta() meta: RequestMeta) {
    return this.complaints.resolve(complaintId, body, meta);
  }
}
