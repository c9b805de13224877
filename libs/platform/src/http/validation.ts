import { applyDecorators, Body, Query, type PipeTransform } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { ProblemException, problem } from './problem.js';

/** Field errors of a 400 response: where, what. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly where: 'body' | 'query' | 'params' = 'body',
  ) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value ?? (this.where === 'body' ? undefined : {}));
    if (parsed.success) return parsed.data;
    const errors: FieldError[] = parsed.error.issues.map((i) => ({
      path: i.path.length ? i.path.join('.') : `(${this.where})`,
      message: i.message,
    }));
    throw new ProblemException(problem(400, 'VALIDATION_FAILED', 'Validation failed', `The ${this.where} has ${errors.length} invalid field(s).`, { errors }));
  }
}

export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** A validated JSON body (unknown fields and wrong types are a 400), documented in OpenAPI. */
export function ValidBody<S extends z.ZodType>(schema: S): ParameterDecorator {
  return Body(new ZodPipe(schema, 'body'));
}

export function DocBody(schema: z.ZodType): MethodDecorator {
  return applyDecorators(ApiBody({ schema: jsonSchemaOf(schema) as never }));
}

export function ValidQuery<S extends z.ZodType>(schema: S): ParameterDecorator {
  return Query(new ZodPipe(schema, 'query'));
}

/** Documents each property of an object schema as a query parameter. */
export function DocQuery(schema: z.ZodObject): MethodDecorator {
  const json = jsonSchemaOf(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, prop]) => ApiQuery({ name, required: json.required?.includes(name) ?? false, schema: prop as never })),
  );
}

/** Reusable field schemas. */
export const fields = {
  fen: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).describe('amount in fen (integer minor units)'),
  positiveFen: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('amount in fen (integer minor units), > 0'),
  businessDate: z.iso.date().describe('business date, YYYY-MM-DD'),
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
};
