// The function app on Flex Consumption (FC1, Linux, Python) with a system-assigned identity, and its
// app settings. Every setting the settings classes in functions/ require is declared below; secrets
// are Key Vault references. tests/infra/test_bicep_consistency.py checks both directions, so keep
// `properties` of the appsettings resource a literal object.
//
// Flex Consumption takes the runtime, scale and deployment storage from functionAppConfig; do not add
// FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE,
// WEBSITE_CONTENTSHARE, SCM_DO_BUILD_DURING_DEPLOYMENT, ENABLE_ORYX_BUILD or WEBSITE_TIME_ZONE.

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Function app name (globally unique; also its host name).')
param functionAppName string

@description('Flex Consumption plan name.')
param planName string

@description('Host storage account (identity-based AzureWebJobsStorage).')
param storageAccountName string

@description('URL of the blob container that holds the deployment package.')
param deploymentContainerUrl string

@description('Application Insights component.')
param appInsightsName string

@description('Fully qualified Service Bus namespace, e.g. sb-x.servicebus.windows.net.')
param serviceBusFullyQualifiedNamespace string

@description('Key Vault holding the secrets that app settings reference.')
param keyVaultName string

@description('Python version of the Functions runtime.')
@allowed([
  '3.11'
])
param pythonVersion string

@description('Most instances per function scale group (HTTP functions share one group; each Service Bus function has its own).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Concurrent HTTP requests per instance (Python default 1).')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int

@description('Service Bus messages one instance processes at once (overrides host.json maxConcurrentCalls).')
@minValue(1)
@maxValue(64)
param serviceBusMaxConcurrentCalls int

@description('Dataverse organisation URL, e.g. https://contoso.crm4.dynamics.com.')
param dataverseUrl string

@description('Concurrent Dataverse requests per app process (DATAVERSE_MAX_CONCURRENCY, 1-52).')
@minValue(1)
@maxValue(52)
param dataverseMaxConcurrency int

@description('GMS (Hyber) API base URL.')
param gmsBaseUrl string

@description('GMS login (the password is the Key Vault secret gms-password).')
param gmsLogin string

@description('GMS client id (the path segment of the send URL).')
param gmsClientId string

@description('PayPal REST host: https://api-m.sandbox.paypal.com or https://api-m.paypal.com.')
param paypalBaseUrl string

@description('PayPal REST app client id (the secret is the Key Vault secret paypal-client-secret).')
param paypalClientId string

@description('Id of the PayPal webhook subscription that points at /api/paypal/webhook.')
param paypalWebhookId string

// YouScore limits requests per API key (200/min and 50 per 5 s). Each process limits itself, and up to
// maximumInstanceCount processes run in each of two scale groups that call YouScore (HTTP checks and the
// counterparty-checks queue), so each process gets its share of the key's budget.
var youscoreProcesses = 2 * maximumInstanceCount

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2023-12-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'python'
        version: pythonVersion
      }
    }
  }
}

// Deployments authenticate with Entra ID; basic-auth publishing credentials stay off.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource appSettings 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Platform: host storage and telemetry by managed identity.
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'

    // Service Bus by identity: bindings use connection "SERVICEBUS_CONNECTION" (BusSettings too).
    SERVICEBUS_CONNECTION__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
    AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls: string(serviceBusMaxConcurrentCalls)

    // Dataverse (CoreSettings). No DATAVERSE_CLIENT_ID/SECRET: the app's managed identity is the
    // Dataverse application user.
    DATAVERSE_URL: dataverseUrl
    DATAVERSE_MAX_CONCURRENCY: string(dataverseMaxConcurrency)
    DATAVERSE_WEBHOOK_SECRET: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=dataverse-webhook-secret)'

    // The app's own public URL; GMS posts delivery reports to {base}/api/gms/reports.
    SMART_PUBLIC_BASE_URL: 'https://${functionApp.properties.defaultHostName}'

    // Messaging: GMS (MessagingSettings).
    GMS_BASE_URL: gmsBaseUrl
    GMS_LOGIN: gmsLogin
    GMS_CLIENT_ID: gmsClientId
    GMS_PASSWORD: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=gms-password)'
    GMS_CALLBACK_TOKEN: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=gms-callback-token)'
    // Timer schedules the bindings name as %SETTING% (six-field NCRONTAB, UTC): the host resolves them from
    // app settings, so they must exist here even where the code has a local default.
    MESSAGING_RECONCILE_SCHEDULE: '0 */15 * * * *'

    // Payments: PayPal (PaymentSettings).
    PAYPAL_BASE_URL: paypalBaseUrl
    PAYPAL_CLIENT_ID: paypalClientId
    PAYPAL_CLIENT_SECRET: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=paypal-client-secret)'
    PAYPAL_WEBHOOK_ID: paypalWebhookId

    // Shipping: Nova Poshta (ShippingSettings); NOVAPOSHTA_BASE_URL keeps its default.
    NOVAPOSHTA_API_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=novaposhta-api-key)'
    SHIPPING_SYNC_SCHEDULE: '0 */30 * * * *'

    // Counterparty checks: YouScore (CounterpartySettings); one shared key for every module.
    YOUSCORE_API_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=youscore-api-key)'
    YOUSCORE_RATE_LIMITS: '${max(1, 200 / youscoreProcesses)}/60,${max(1, 50 / youscoreProcesses)}/5'
  }
}

output functionAppName string = functionApp.name
output principalId string = functionApp.identity.principalId
output defaultHostName string = functionApp.properties.defaultHostName
