"""A hand-made table of TMDb films for the loopback TMDb (`harness.tmdb_server.LoopbackTmdb`): namesakes in one year
and in others, a premiere a year before the release date, original titles in other languages, accents, sequels, a
film TMDb files as TV, and films newer than MovieLens with their votes, keywords and directors."""

from __future__ import annotations

from harness.tmdb_server import NETFLIX, offers

HEAT, ANORA, SIRAT, SECRET_AGENT, HAMNET = 949, 1064213, 980026, 1220564, 858024
FILMS: list[dict] = [
    {"id": HEAT, "title": "Heat", "year": 1995, "release_date": "1995-12-15", "genres": "Action|Crime|Drama",
     "language": "en", "runtime": 170, "popularity": 40.0, "vote_count": 7100, "vote_average": 7.9,
     "imdb_id": 113277, "keywords": "heist|los angeles|cat and mouse", "directors": "Michael Mann",
     "cast": "Al Pacino|Robert De Niro|Val Kilmer", "providers": {"GB": offers(HEAT, flatrate=[NETFLIX])}},
    {"id": 26175, "title": "Heat", "year": 1986, "genres": "Action|Thriller", "popularity": 3.0, "vote_count": 60},
    {"id": 1064213, "title": "Anora", "year": 2024, "release_date": "2024-10-18", "genres": "Drama|Comedy|Romance",
     "runtime": 139, "popularity": 80.0, "vote_count": 3100, "vote_average": 7.1, "imdb_id": 28607951,
     "keywords": "stripper|brighton beach|marriage", "directors": "Sean Baker"},
    {"id": SIRAT, "title": "Sirāt", "year": 2025, "release_date": "2025-06-06", "genres": "Drama|Thriller",
     "language": "es", "popularity": 25.0, "vote_count": 320, "directors": "Oliver Laxe"},
    {"id": SECRET_AGENT, "title": "The Secret Agent", "original_title": "O Agente Secreto", "year": 2025,
     "release_date": "2025-11-06", "genres": "Crime|Drama|Thriller", "language": "pt", "popularity": 30.0,
     "vote_count": 410, "directors": "Kleber Mendonça Filho"},
    {"id": HAMNET, "title": "Hamnet", "year": 2025, "release_date": "2025-11-26", "genres": "Drama|History",
     "popularity": 45.0, "vote_count": 900, "directors": "Chloé Zhao"},
    {"id": 1311031, "title": "One Battle After Another", "year": 2025, "release_date": "2025-09-26",
     "genres": "Action|Crime|Thriller", "popularity": 90.0, "vote_count": 2500, "directors": "Paul Thomas Anderson"},
    {"id": 1125899, "title": "Sentimental Value", "original_title": "Affeksjonsverdi", "year": 2025,
     "release_date": "2025-08-22", "genres": "Drama", "language": "no", "popularity": 20.0, "vote_count": 700},
    {"id": 1271, "title": "300", "year": 2006, "release_date": "2007-03-07", "genres": "Action|War",
     "popularity": 12.0, "vote_count": 14000},
    {"id": 21484, "title": "Possession", "year": 1981, "release_date": "1981-05-27", "genres": "Horror|Drama",
     "language": "fr", "popularity": 15.0, "vote_count": 900},
    {"id": 15292, "title": "Possession", "year": 2002, "genres": "Drama|Romance", "popularity": 5.0,
     "vote_count": 250},
    {"id": 77883, "title": "The Possession", "year": 2012, "genres": "Horror", "popularity": 30.0,
     "vote_count": 2000},
    {"id": 593, "title": "Solaris", "original_title": "Солярис", "year": 1972, "genres": "Drama|Science Fiction",
     "language": "ru", "popularity": 14.0, "vote_count": 2000},
    {"id": 500001, "title": "Home", "year": 2024, "genres": "Drama", "popularity": 2.0, "vote_count": 30},
    {"id": 500002, "title": "Home", "year": 2024, "genres": "Documentary", "popularity": 1.5, "vote_count": 20},
    {"id": 500003, "title": "Alone", "year": 2020, "genres": "Thriller", "popularity": 9.0, "vote_count": 800},
    {"id": 500004, "title": "Alone", "year": 2020, "genres": "Drama", "popularity": 0.5, "vote_count": 4},
    {"id": 500005, "title": "Quiet Harbour", "year": 2021, "genres": "Drama", "popularity": 0.3, "vote_count": 3},
    {"id": 1367, "title": "Rocky II", "year": 1979, "genres": "Drama", "popularity": 20.0, "vote_count": 4000},
    {"id": 1371, "title": "Rocky III", "year": 1982, "genres": "Drama", "popularity": 18.0, "vote_count": 3500},
    {"id": 11647, "title": "Infernal Affairs II", "year": 2003, "genres": "Crime|Thriller", "language": "cn",
     "popularity": 8.0, "vote_count": 400},
    {"id": 11636, "title": "Infernal Affairs III", "year": 2003, "genres": "Crime|Thriller", "language": "cn",
     "popularity": 7.0, "vote_count": 350},
    {"id": 1920, "title": "Twin Peaks: The Return", "year": 2017, "genres": "Drama|Mystery", "content_type": "tv"},
]
