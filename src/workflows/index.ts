export { refundWorkflow } from './refund';
