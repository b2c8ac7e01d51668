// Development: small scale-out, short log retention, no purge protection (easy teardown).
using '../main.bicep'

param environmentName = 'dev'
param location = 'northeurope'
param dataverseUrl = 'https://contoso-dev.crm4.dynamics.com'
param maximumInstanceCount = 2
param instanceMemoryMB = 2048
param httpPerInstanceConcurrency = 4
param serviceBusMaxConcurrentCalls = 4
param dataverseMaxConcurrency = 8

// Provider identifiers (not secrets; the secrets go to Key Vault, see README "Deploying to Azure").
param gmsBaseUrl = 'https://api-v2.hyber.im'
param gmsLogin = '<gms login>'
param gmsClientId = '<gms client id>'
param paypalBaseUrl = 'https://api-m.sandbox.paypal.com'
param paypalClientId = '<paypal client id>'
param paypalWebhookId = '<paypal webhook id>'
param logRetentionInDays = 30
param enablePurgeProtection = false
// Object id of the developer or group that sets Key Vault secrets (az ad signed-in-user show --query id).
param secretsOfficerPrincipalId = ''
