// SMART Connectors on Azure: a Python function app on Flex Consumption with a system-assigned identity,
// identity-based host storage, Service Bus (Standard) with every queue the app binds, Key Vault for
// secrets (referenced from app settings), Application Insights on Log Analytics, and the role
// assignments that tie them together. Deploy into an existing resource group:
//
//   az deployment group create -g <rg> --template-file infra/azure/main.bicep \
//     --parameters infra/azure/parameters/dev.bicepparam
//
// tests/infra/ checks this template against the code (settings classes, queues, bindings).

targetScope = 'resourceGroup'

@description('Short lowercase name of the product, used in every resource name.')
@minLength(3)
@maxLength(10)
param baseName string = 'smartconn'

@description('Environment the resources belong to.')
@allowed([
  'dev'
  'test'
  'prod'
])
param environmentName string

@description('Azure region; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Dataverse organisation URL, e.g. https://contoso.crm4.dynamics.com.')
param dataverseUrl string

@description('Concurrent Dataverse requests per app process (keep instances x this under 52).')
@minValue(1)
@maxValue(52)
param dataverseMaxConcurrency int = 8

@description('GMS (Hyber) API base URL.')
param gmsBaseUrl string = 'https://api-v2.hyber.im'

@description('GMS login; the password goes to Key Vault as gms-password.')
param gmsLogin string

@description('GMS client id.')
param gmsClientId string

@description('PayPal REST host: https://api-m.sandbox.paypal.com (sandbox) or https://api-m.paypal.com (live).')
param paypalBaseUrl string

@description('PayPal REST app client id; the secret goes to Key Vault as paypal-client-secret.')
param paypalClientId string

@description('Id of the PayPal webhook subscription (dashboard) that points at this app.')
param paypalWebhookId string

@description('Most instances per function scale group. See "Deploying to Azure" in README.md for sizing.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 4

@description('Service Bus messages one instance processes at once (host.json maxConcurrentCalls for this environment).')
@minValue(1)
@maxValue(64)
param serviceBusMaxConcurrentCalls int = 8

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Concurrent HTTP requests per instance; HTTP handlers are short and enqueue slow work.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 4

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Enable Key Vault purge protection (irreversible); on for production.')
param enablePurgeProtection bool = false

@description('Object id of the operator (user or group) allowed to set Key Vault secrets; empty for none.')
param secretsOfficerPrincipalId string = ''

@description('Principal type of secretsOfficerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param secretsOfficerPrincipalType string = 'User'

var suffix = uniqueString(subscription().id, resourceGroup().id, baseName, environmentName)
var tags = {
  application: 'smart-connectors'
  environment: environmentName
}
var names = {
  storage: take(toLower('st${baseName}${environmentName}${suffix}'), 24)
  keyVault: take('kv-${baseName}-${environmentName}-${suffix}', 24)
  serviceBus: 'sb-${baseName}-${environmentName}-${suffix}'
  workspace: 'log-${baseName}-${environmentName}'
  appInsights: 'appi-${baseName}-${environmentName}'
  plan: 'plan-${baseName}-${environmentName}'
  functionApp: 'func-${baseName}-${environmentName}-${suffix}'
  deploymentContainer: 'app-package'
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    storageAccountName: names.storage
    deploymentContainerName: names.deploymentContainer
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    location: location
    tags: tags
    namespaceName: names.serviceBus
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: tags
    keyVaultName: names.keyVault
    enablePurgeProtection: enablePurgeProtection
    secretsOfficerPrincipalId: secretsOfficerPrincipalId
    secretsOfficerPrincipalType: secretsOfficerPrincipalType
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    tags: tags
    functionAppName: names.functionApp
    planName: names.plan
    storageAccountName: storage.outputs.storageAccountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsName: monitoring.outputs.appInsightsName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    keyVaultName: keyVault.outputs.keyVaultName
    pythonVersion: '3.11'
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    serviceBusMaxConcurrentCalls: serviceBusMaxConcurrentCalls
    dataverseUrl: dataverseUrl
    dataverseMaxConcurrency: dataverseMaxConcurrency
    gmsBaseUrl: gmsBaseUrl
    gmsLogin: gmsLogin
    gmsClientId: gmsClientId
    paypalBaseUrl: paypalBaseUrl
    paypalClientId: paypalClientId
    paypalWebhookId: paypalWebhookId
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: functionApp.outputs.principalId
    storageAccountName: storage.outputs.storageAccountName
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    keyVaultName: keyVault.outputs.keyVaultName
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

output functionAppName string = functionApp.outputs.functionAppName
output functionAppHostName string = functionApp.outputs.defaultHostName
output functionAppPrincipalId string = functionApp.outputs.principalId
output keyVaultName string = keyVault.outputs.keyVaultName
output serviceBusNamespaceName string = serviceBus.outputs.namespaceName
output dataverseEventsQueueName string = serviceBus.outputs.dataverseEventsQueueName
output dataverseSendRuleName string = serviceBus.outputs.dataverseSendRuleName
output storageAccountName string = storage.outputs.storageAccountName
