import { Module } from '@nestjs/common';
import { AddressGuard } from './address-guard';
import { DeliveryClock } from './clock';
import { DeliveryController } from './delivery.controller';
import { DeliveryService } from './delivery.service';
import { DispatcherService } from './dispatcher.service';
import { EndpointController } from './endpoint.controller';
import { EndpointService } from './endpoint.service';
import { HostResolver } from './host-resolver';
import { OutboxStore } from './outbox.store';
import { WebhookSender } from './webhook-sender';

/**
 * Delivery of decided actions by signed webhooks: endpoints, the outbox a campaign run
 * writes to (`DeliveryService.enqueue`), and the dispatcher that sends, retries and
 * dead-letters.
 */
@Module({
  controllers: [EndpointController, DeliveryController],
  providers: [
    AddressGuard,
    DeliveryClock,
    DeliveryService,
    DispatcherService,
    EndpointService,
    HostResolver,
    OutboxStore,
    WebhookSender,
  ],
  exports: [DeliveryService, DispatcherService, EndpointService],
})
export class DeliveryModule {}
