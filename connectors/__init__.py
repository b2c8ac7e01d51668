"""Provider clients: one package per provider, no Azure or Dataverse imports."""
