/** The refund workflow's public message names, shared by the workflow, the client and the CLI. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CancelRequest, OtpSubmission, Phase, RefundState, SubmitOtpResponse } from '../shared/contract';

export const otpSignal = defineSignal<[OtpSubmission]>('otp');
export const submitOtpUpdate = defineUpdate<SubmitOtpResponse, [OtpSubmission]>('submitOtp');
export const resendOtpSignal = defineSignal<[]>('resendOtp');
export const resendOtpUpdate = defineUpdate<{ phase: Phase; resendCount: number }, []>('resendOtp');
export const cancelUpdate = defineUpdate<{ phase: Phase }, [CancelRequest]>('cancel');
export const stateQuery = defineQuery<RefundState>('state');
