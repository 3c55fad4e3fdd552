import type { Collection, Db, Document } from 'mongodb';
import { productCollections, type ProductCollection } from '../domain/product-collections';

/** One of the product's own collections, by its registry name. */
export function productCollection<T extends Document = Document>(db: Db, name: ProductCollection): Collection<T> {
  return db.collection<T>(productCollections[name]);
}
