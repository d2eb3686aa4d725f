CREATE DATABASE :"database"
