// Service Bus namespace (Standard) and every queue the app binds. The queue list below mirrors
// functions/common/queues.py (QUEUES); tests/infra/test_bicep_consistency.py fails when the two differ.
// Durations are ISO 8601. requiresDuplicateDetection cannot be changed after a queue is created.
//
// Local (SAS) auth stays enabled only because Dataverse's Service Bus endpoint needs a SAS key: the app
// itself uses its managed identity, and Dataverse gets one send-only rule on the queue it writes to.

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Service Bus namespace name (6-50 characters, globally unique).')
@minLength(6)
@maxLength(50)
param namespaceName string

var dataverseEventsQueueName = 'dataverse-events'

var queues = [
  {
    // Dataverse service endpoint (JSON RemoteExecutionContext) -> event router.
    name: dataverseEventsQueueName
    lockDuration: 'PT1M'
    maxDeliveryCount: 5
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
  }
  {
    // One message each: send through GMS, record the provider id.
    name: 'messages-outbound'
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
  }
  {
    // Bulk sends: expand a batch and send in bulk.
    name: 'message-batches'
    lockDuration: 'PT5M'
    maxDeliveryCount: 5
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
  }
  {
    // GMS delivery reports accepted by the callback, written back to Dataverse in batches.
    name: 'delivery-reports'
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
  }
  {
    // Waybills to create from CRM orders.
    name: 'shipments'
    lockDuration: 'PT1M'
    maxDeliveryCount: 5
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
  }
  {
    // PayPal invoices to create from CRM orders.
    name: 'payments'
    lockDuration: 'PT1M'
    maxDeliveryCount: 5
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
  }
  {
    // Verified PayPal webhook events to apply to payments.
    name: 'paypal-events'
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
  }
  {
    // Counterparty checks (manual ones not ready in time, scheduled and on-creation ones).
    name: 'counterparty-checks'
    lockDuration: 'PT5M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
  }
]

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: false
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for spec in queues: {
    parent: namespace
    name: spec.name
    properties: {
      lockDuration: spec.lockDuration
      maxDeliveryCount: spec.maxDeliveryCount
      requiresDuplicateDetection: spec.requiresDuplicateDetection
      duplicateDetectionHistoryTimeWindow: spec.duplicateDetectionHistoryTimeWindow
      defaultMessageTimeToLive: spec.defaultMessageTimeToLive
      deadLetteringOnMessageExpiration: spec.deadLetteringOnMessageExpiration
      requiresSession: false
      enablePartitioning: false
    }
  }
]

// Send-only SAS rule for Dataverse's Service Bus endpoint (serviceendpoint contract 2, auth SAS key).
// Read its connection string with `az servicebus queue authorization-rule keys list`; never output it here.
resource dataverseSendRule 'Microsoft.ServiceBus/namespaces/queues/authorizationRules@2024-01-01' = {
  name: '${namespace.name}/${dataverseEventsQueueName}/dataverse-send'
  properties: {
    rights: [
      'Send'
    ]
  }
  dependsOn: [
    queue
  ]
}

output namespaceName string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output dataverseEventsQueueName string = dataverseEventsQueueName
output dataverseSendRuleName string = 'dataverse-send'
