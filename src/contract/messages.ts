/** The refund workflow's messages, shared by the workflow, the client, the CLI and the API. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CancelRequest, OtpSubmission, ResendRequest } from './schemas';
import type { CancelResponse, RefundState, ResendOtpResponse, SubmitOtpResponse } from './types';

export const otpSignal = defineSignal<[OtpSubmission]>('otp');
export const submitOtpUpdate = defineUpdate<SubmitOtpResponse, [OtpSubmission]>('submitOtp');
/** The workflow also takes these with no argument, as `temporal workflow signal --name resendOtp` sends them. */
export const resendOtpSignal = defineSignal<[ResendRequest]>('resendOtp');
export const resendOtpUpdate = defineUpdate<ResendOtpResponse, [ResendRequest]>('resendOtp');
export const cancelUpdate = defineUpdate<CancelResponse, [CancelRequest]>('cancel');
export const stateQuery = defineQuery<RefundState>('state');
