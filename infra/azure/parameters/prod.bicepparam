// Production: scale-out capped so total Dataverse concurrency stays under the service protection
// limit of 52 concurrent requests (see "Deploying to Azure" in README.md), purge protection on.
using '../main.bicep'

param environmentName = 'prod'
param location = 'northeurope'
param dataverseUrl = 'https://contoso.crm4.dynamics.com'
param maximumInstanceCount = 4
param instanceMemoryMB = 2048
param httpPerInstanceConcurrency = 4
param serviceBusMaxConcurrentCalls = 4
param dataverseMaxConcurrency = 8

// Provider identifiers (not secrets; the secrets go to Key Vault, see README "Deploying to Azure").
param gmsBaseUrl = 'https://api-v2.hyber.im'
param gmsLogin = '<gms login>'
param gmsClientId = '<gms client id>'
param paypalBaseUrl = 'https://api-m.paypal.com'
param paypalClientId = '<paypal client id>'
param paypalWebhookId = '<paypal webhook id>'
param logRetentionInDays = 90
param enablePurgeProtection = true
param secretsOfficerPrincipalId = ''
param secretsOfficerPrincipalType = 'Group'
