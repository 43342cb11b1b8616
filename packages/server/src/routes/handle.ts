import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Refractor } from '@refractor/node';
import type { ServerContext } from '../context.js';
import type { ParamsCheck } from '../request-input.js';
import { requestSignal } from '../deadline.js';
import { ABANDON_GRACE_MS, settleWithin } from '../abandon.js';

/**
 * Runs a scoring request's work with a slot from the admission queue, held
 * until the work has really stopped (a timed-out request keeps its slot until
 * its decoder notices the abort, so the CPU is never oversubscribed), and
 * never longer than {@link ABANDON_GRACE_MS} after the request ended: every
 * way a request can end gives its slot back.
 */
export async function withSlot<T>(context: ServerContext, request: FastifyRequest, reply: FastifyReply, work: (refractor: Refractor) => Promise<T>): Promise<T | FastifyReply> {
  const refractor = context.models.get();
  const signal = requestSignal(request);
  try {
    const release = await context.admission.acquire(signal);
    try {
      return await settleWithin(work(refractor), signal, ABANDON_GRACE_MS, () =>
        request.log.error({ graceMs: ABANDON_GRACE_MS }, 'the work of an ended request did not stop after its abort; its scoring slot is given back anyway'),
      );
    } finally {
      release();
    }
  } catch (error) {
    // The timeout (or the client leaving) already answered this request.
    if (reply.sent) return reply;
    throw error;
  }
}

/** A check for form fields with the same schema (and so the same errors) as the query string. */
export function paramsCheck(request: FastifyRequest, schema: object): ParamsCheck {
  const validate = request.compileValidationSchema(schema, 'querystring');
  return (params) => {
    if (!validate(params)) {
      throw Object.assign(new Error('invalid form fields'), { validation: validate.errors, validationContext: 'body', statusCode: 400 });
    }
  };
}
