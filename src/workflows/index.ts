export { refundWorkflow } from './refund';
export { refundNotificationWorkflow } from '../notifications/workflow';
