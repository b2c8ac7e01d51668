"""The emulator's metadata: tables by logical and entity set name, and relationships; persisted."""

from __future__ import annotations

from local_runtime.dataverse_emulator._errors import ODataError, unknown_segment
from local_runtime.dataverse_emulator._schema import Entity, Relationship
from local_runtime.dataverse_emulator._standard_tables import standard_entities, standard_relationships
from local_runtime.dataverse_emulator._store import Store


class Catalog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.entities: dict[str, Entity] = {}
        self.by_set: dict[str, Entity] = {}
        self.relationships: dict[str, Relationship] = {}
        saved = store.load_metadata("entity")
        self.is_new = not saved
        if self.is_new:
            with store.transaction():
                for entity in standard_entities():
                    self.save(entity)
                for relationship in standard_relationships():
                    self.save_relationship(relationship)
        else:
            for body in saved:
                self._index(Entity.from_json(body))
            for body in store.load_metadata("relationship"):
                relationship = Relationship(**body)
                self.relationships[relationship.schema_name.lower()] = relationship

    def _index(self, entity: Entity) -> None:
        previous = self.entities.get(entity.logical_name)
        if previous is not None:
            self.by_set.pop(previous.entity_set, None)
        self.entities[entity.logical_name] = entity
        self.by_set[entity.entity_set] = entity

    def save(self, entity: Entity) -> None:
        self.store.save_metadata("entity", entity.logical_name, entity.to_json())
        self._index(entity)

    def remove(self, entity: Entity) -> None:
        self.store.delete_metadata("entity", entity.logical_name)
        self.entities.pop(entity.logical_name, None)
        self.by_set.pop(entity.entity_set, None)

    def save_relationship(self, relationship: Relationship) -> None:
        self.store.save_metadata("relationship", relationship.schema_name.lower(), relationship.__dict__)
        self.relationships[relationship.schema_name.lower()] = relationship

    def entity(self, logical_name: str) -> Entity:
        entity = self.entities.get(logical_name.lower())
        if entity is None:
            raise ODataError(404, f"Could not find entity with logical name '{logical_name}'.", "0x80040217")
        return entity

    def entity_for_set(self, entity_set: str) -> Entity:
        entity = self.by_set.get(entity_set)
        if entity is None:
            raise unknown_segment(entity_set)
        return entity

    def relationship(self, schema_name: str) -> Relationship:
        relationship = self.relationships.get(schema_name.lower())
        if relationship is None:
            raise ODataError(404, f"Could not find relationship with name '{schema_name}'.", "0x80040217")
        return relationship

    def collection_navigation(self, entity: Entity, name: str) -> Relationship | None:
        for relationship in self.relationships.values():
            if (
                relationship.referenced_entity == entity.logical_name
                and relationship.referenced_navigation == name
            ):
                return relationship
        return None

    def referencing(self, logical_name: str) -> list[Relationship]:
        return [r for r in self.relationships.values() if r.referenced_entity == logical_name]
